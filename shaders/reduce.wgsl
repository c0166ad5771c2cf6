// reduce_segments: the second stage of every split weight-gradient reduction of a step, in one
// dispatch. Segment k sums S_k partial vectors of count_k floats, stored one after another at
// `src_k` in `partials`, into out[dst_k + e]:
//   out[dst + e] = Σ_s partials[src + s·count + e]
// A workgroup of 256 threads covers 256/RL consecutive elements of one segment with RL lanes
// each; a lane adds every RL-th partial, then the lanes are added in a tree (log2 RL barriers).
// The per-thread loop is ceil(S / RL) long, and the order of the additions is fixed:
// deterministic, no atomics. RL = 16 on a GPU; 1 on a CPU adapter, whose barriers cost more than
// the longer loops (then no barrier runs).
// (v3's reduce_partials, one thread per element adding all S partials, is in shaders/dev/.)

struct ReduceParams { segments: u32 }

@group(0) @binding(0) var<uniform> RP: ReduceParams;
// Per segment, 5 u32: first workgroup, count, S, src, dst (floats).
@group(0) @binding(1) var<storage, read> segs: array<u32>;
@group(0) @binding(2) var<storage, read> partials: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

override RL: u32 = 16u;  // lanes per element: a power of two ≤ 256
override ACCUM: bool = false;  // out += the sum (the rounds of a long dw GEMM) instead of out = it

var<workgroup> lanes: array<f32, 256>;

@compute @workgroup_size(256)
fn reduce_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let g = wid.y * nwg.x + wid.x;
  var k = 0u;
  for (var i = 1u; i < RP.segments; i++) {
    if (g >= segs[5u * i]) { k = i; }
  }
  let count = segs[5u * k + 1u];
  let S = segs[5u * k + 2u];
  let src = segs[5u * k + 3u];
  let RW = 256u / RL;  // elements per workgroup
  let e = (g - segs[5u * k]) * RW + lid % RW;
  let lane = lid / RW;
  var acc = 0.0;
  if (e < count) {
    for (var s = lane; s < S; s += RL) { acc += partials[src + s * count + e]; }
  }
  if (RL > 1u) {
    lanes[lid] = acc;
    workgroupBarrier();
    for (var h = RL / 2u; h > 0u; h >>= 1u) {
      if (lane < h) { lanes[lid] += lanes[lid + h * RW]; }
      workgroupBarrier();
    }
    acc = lanes[lid];
  }
  if (lane == 0u && e < count) {
    let o = segs[5u * k + 4u] + e;
    if (ACCUM) { acc += out[o]; }
    out[o] = acc;
  }
}
