// MaxPool2d (kernel (KH, KW), stride (SH, SW), padding (PH, PW), floor mode) and
// AdaptiveAvgPool2d(1), forward and backward.
//   maxpool  y[n,c,i,j] = max over the window starting at input (i·SH − PH, j·SW − PW), its cells
//            inside the input only (PyTorch pads with −inf, so padding never wins); the winner's
//            flat input index is kept in `arg` so backward routes dy to exactly the element
//            PyTorch picks (first max in row-major order; NaN wins).
//   gap      y[n,c] = mean over H·W;  dx[n,c,h,w] = dy[n,c] / (H·W)
// (common.wgsl is prepended: flat256, ceil_div0, NO_INDEX, F32_LOWEST.)

struct PoolParams { N: u32, C: u32, H: u32, W: u32, OH: u32, OW: u32, KH: u32, KW: u32, SH: u32, SW: u32, PH: u32, PW: u32 }  // maxpool
struct GapParams { N: u32, C: u32, H: u32, W: u32 }                                                                            // gap

@group(0) @binding(0) var<uniform> P: PoolParams;
@group(0) @binding(0) var<uniform> Q: GapParams;


// maxpool forward: (P, x, y, arg), one thread per output.
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
  let h0 = i32(i * P.SH) - i32(P.PH);
  let w0 = i32(j * P.SW) - i32(P.PW);
  var best = F32_LOWEST;
  var besti = NO_INDEX;
  // padding ≤ kernel / 2, so every window holds at least one input cell.
  for (var p = max(h0, 0); p < min(h0 + i32(P.KH), i32(P.H)); p++) {
    for (var q = max(w0, 0); q < min(w0 + i32(P.KW), i32(P.W)); q++) {
      let k = (nc * P.H + u32(p)) * P.W + u32(q);
      let v = x[k];
      if (besti == NO_INDEX || v > best || v != v) { best = v; besti = k; }
    }
  }
  y[o] = best;
  arg[o] = besti;
}

// maxpool backward: (P, dy, arg, dx), one thread per input element, gathering dy over the
// windows that hold it and chose it (windows overlap when stride < kernel): no atomics.
//   rows i with i·SH − PH ≤ h < i·SH − PH + KH: ⌈(h + PH − KH + 1) / SH⌉ ≤ i ≤ ⌊(h + PH) / SH⌋.
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> arg_saved: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn maxpool_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                    @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  if (k >= P.N * P.C * P.H * P.W) { return; }
  let w = i32(k % P.W);
  let h = i32((k / P.W) % P.H);
  let nc = k / (P.W * P.H);
  let i1 = min((h + i32(P.PH)) / i32(P.SH), i32(P.OH) - 1);
  let j1 = min((w + i32(P.PW)) / i32(P.SW), i32(P.OW) - 1);
  var g = 0.0;
  for (var i = ceil_div0(h + i32(P.PH) - i32(P.KH) + 1, i32(P.SH)); i <= i1; i++) {
    for (var j = ceil_div0(w + i32(P.PW) - i32(P.KW) + 1, i32(P.SW)); j <= j1; j++) {
      let o = (nc * P.OH + u32(i)) * P.OW + u32(j);
      if (arg_saved[o] == k) { g += dy[o]; }
    }
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
