// AvgPool2d(kernel (KH, KW), stride (SH, SW), padding (PH, PW)), floor mode, forward and backward.
//   OH = ⌊(H + 2·PH − KH) / SH⌋ + 1 (OW likewise); the window of output (i, j) starts at input
//   (i·SH − PH, j·SW − PW); padding counts as zeros.
//   y[n,c,i,j]  = Σ_{window ∩ input} x / div(i, j),  div = KH·KW when count_include_pad (PyTorch's
//                 default), else the number of window positions inside the input.
//   dx[n,c,h,w] = Σ over the outputs whose window holds (h, w) of dy[n,c,i,j] / div(i, j): rows i
//                 with i·SH − PH ≤ h < i·SH − PH + KH, i.e. ⌈(h + PH − KH + 1) / SH⌉ ≤ i ≤ ⌊(h + PH) / SH⌋.
// One thread per output (forward) or per input element (backward: a gather, no atomics).
// (common.wgsl is prepended: flat256, ceil_div0.)

struct AvgParams { N: u32, C: u32, H: u32, W: u32, OH: u32, OW: u32, KH: u32, KW: u32, SH: u32, SW: u32, PH: u32, PW: u32, include_pad: u32 }

@group(0) @binding(0) var<uniform> A: AvgParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;

/** The divisor of output (i, j). */
fn divisor(i: u32, j: u32) -> f32 {
  if (A.include_pad != 0u) { return f32(A.KH * A.KW); }
  let h0 = i32(i * A.SH) - i32(A.PH);
  let w0 = i32(j * A.SW) - i32(A.PW);
  let rows = min(h0 + i32(A.KH), i32(A.H)) - max(h0, 0);
  let cols = min(w0 + i32(A.KW), i32(A.W)) - max(w0, 0);
  return f32(rows * cols);
}

@compute @workgroup_size(256)
fn avgpool_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let o = flat256(wid, nwg, lid);
  if (o >= A.N * A.C * A.OH * A.OW) { return; }
  let j = o % A.OW;
  let i = (o / A.OW) % A.OH;
  let nc = o / (A.OW * A.OH);
  let h0 = i32(i * A.SH) - i32(A.PH);
  let w0 = i32(j * A.SW) - i32(A.PW);
  var s = 0.0;
  for (var p = max(h0, 0); p < min(h0 + i32(A.KH), i32(A.H)); p++) {
    for (var q = max(w0, 0); q < min(w0 + i32(A.KW), i32(A.W)); q++) {
      s += x[(nc * A.H + u32(p)) * A.W + u32(q)];
    }
  }
  y[o] = s / divisor(i, j);
}

@compute @workgroup_size(256)
fn avgpool_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                    @builtin(local_invocation_index) lid: u32) {
  let k = flat256(wid, nwg, lid);
  if (k >= A.N * A.C * A.H * A.W) { return; }
  let w = i32(k % A.W);
  let h = i32((k / A.W) % A.H);
  let nc = k / (A.W * A.H);
  let i1 = min((h + i32(A.PH)) / i32(A.SH), i32(A.OH) - 1);
  let j1 = min((w + i32(A.PW)) / i32(A.SW), i32(A.OW) - 1);
  var g = 0.0;
  for (var i = ceil_div0(h + i32(A.PH) - i32(A.KH) + 1, i32(A.SH)); i <= i1; i++) {
    for (var j = ceil_div0(w + i32(A.PW) - i32(A.KW) + 1, i32(A.SW)); j <= j1; j++) {
      g += dy[(nc * A.OH + u32(i)) * A.OW + u32(j)] / divisor(u32(i), u32(j));
    }
  }
  dx[k] = g;
}
