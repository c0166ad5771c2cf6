// Recording values into a history buffer from inside a compute pass, so that many steps can run
// in one pass with no copies between them (the backprop notebook records every iteration).
//   record   dst[counter·stride + offset + i] = src[i] for i < n
//   advance  counter += 1

struct Params { n: u32, stride: u32, offset: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> counter: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn record(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.x;
  if (i >= P.n) { return; }
  dst[counter[0] * P.stride + P.offset + i] = src[i];
}

@group(0) @binding(1) var<storage, read_write> counter_rw: array<u32>;

@compute @workgroup_size(1)
fn advance() {
  counter_rw[0] = counter_rw[0] + 1u;
}
