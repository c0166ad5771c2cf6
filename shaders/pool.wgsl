// MaxPool2d (kernel K, stride K, floor) and AdaptiveAvgPool2d(1), forward and backward.
//   maxpool  y[n,c,i,j] = max over the K×K window; the winner's flat input index is kept in
//            `arg` so backward routes dy to exactly the element PyTorch picks (first max; NaN wins).
//   gap      y[n,c] = mean over H·W;  dx[n,c,h,w] = dy[n,c] / (H·W)
// (common.wgsl is prepended: flat256, NO_INDEX, F32_LOWEST.)

struct PoolParams { N: u32, C: u32, H: u32, W: u32, OH: u32, OW: u32, K: u32 }  // maxpool
struct GapParams { N: u32, C: u32, H: u32, W: u32 }                              // gap

@group(0) @binding(0) var<uniform> P: PoolParams;
@group(0) @binding(0) var<uniform> Q: GapParams;


// maxpool forward: (P, x, y, arg)
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> arg: array<u32>;

@compute @workgroup_size(256)
fn maxpool_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let o = flat256(wid, nwg, lid);
  if (o >= P.N * P.C * P.OH * P.OW) { return; }
  let j = o % P.OW;
  let i = (o / P.OW) % P.OH;
  let nc = o / (P.OW * P.OH);
  var best = F32_LOWEST;
  var besti = NO_INDEX;
  for (var p = 0u; p < P.K; p++) {
    for (var q = 0u; q < P.K; q++) {
      let k = (nc * P.H + i * P.K + p) * P.W + j * P.K + q;
      let v = x[k];
      if (besti == NO_INDEX || v > best || v != v) { best = v; besti = k; }
    }
  }
  y[o] = best;
  arg[o] = besti;
}

// maxpool backward: (P, dy, arg, dx); windows do not overlap, so each input has at most one output.
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> arg_saved: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn maxpool_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                    @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  if (k >= P.N * P.C * P.H * P.W) { return; }
  let w = k % P.W;
  let h = (k / P.W) % P.H;
  let nc = k / (P.W * P.H);
  let i = h / P.K;
  let j = w / P.K;
  var g = 0.0;
  if (i < P.OH && j < P.OW) {
    let o = (nc * P.OH + i) * P.OW + j;
    if (arg_saved[o] == k) { g = dy[o]; }
  }
  dx[k] = g;
}

// gap forward: (P, x, y), one thread per (n, c).
@compute @workgroup_size(256)
fn gap_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let nc = flat256(wid, nwg, lid);
  if (nc >= Q.N * Q.C) { return; }
  let hw = Q.H * Q.W;
  var s = 0.0;
  for (var t = 0u; t < hw; t++) { s += x[nc * hw + t]; }
  y[nc] = s / f32(hw);
}

// gap backward: (P, dy, dx), one thread per input element.
@group(0) @binding(2) var<storage, read_write> dx_gap: array<f32>;

@compute @workgroup_size(256)
fn gap_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  let hw = Q.H * Q.W;
  if (k >= Q.N * Q.C * hw) { return; }
  dx_gap[k] = dy[k / hw] / f32(hw);
}
