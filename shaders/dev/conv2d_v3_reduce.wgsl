// conv2d v3's second stage (replaced by shaders/reduce.wgsl's reduce_segments in v4): one thread
// per weight element adds all S partials in a serial loop that grows with the batch.
struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, OH: u32, OW: u32,
  KH: u32, KW: u32, PH: u32, PW: u32,
  S: u32, chunk: u32,
}

@group(0) @binding(0) var<uniform> P: Params;

// reduce_partials: (P, partial, out); out[e] = Σ_s partial[s·count + e], count = P.N here.
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> total: array<f32>;

@compute @workgroup_size(256)
fn reduce_partials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let e = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (e >= P.N) { return; }
  var acc = 0.0;
  for (var s = 0u; s < P.S; s++) { acc += partials[s * P.N + e]; }
  total[e] = acc;
}
