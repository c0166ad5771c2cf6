// conv2d v2 (kept for comparison in bench:kernels; the engine uses shaders/conv2d.wgsl).
// Conv2d, stride 1, zero padding, NCHW activations, OIHW weights; any kernel size.
//   forward          y[n,o,i,j]  = b[o] + Σ_c Σ_p Σ_q x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]
//   backward_input   dx[n,c,h,v] = Σ_o Σ_p Σ_q dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]
// v2 (v1 is in shaders/dev/):
//   forward / backward_input: one thread per pixel computes 8 channels at once, so each input
//     value loaded is used 8 times (weights are the same for the whole workgroup: broadcast).
//   backward_weight: one thread per (weight element, chunk of output rows), then a reduction;
//     identical to the engine's conv2d_backward_weight_any (kernels above 7×7), so v2 calls that.
// (common.wgsl is prepended: flat256.)

override HAS_BIAS: bool = false;

struct Params {
  N: u32, C: u32, H: u32, W: u32,      // input
  O: u32, OH: u32, OW: u32,            // output
  KH: u32, KW: u32, PH: u32, PW: u32,  // kernel, padding
  S: u32, chunk: u32,                  // unused here: the engine's Params layout
}

const B = 8u;  // channels per thread (forward: output channels; backward_input: input channels)

@group(0) @binding(0) var<uniform> P: Params;


// forward: (P, x, w, y, b); grid: x, y over pixels (folded), z over blocks of 8 output channels.
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;

@compute @workgroup_size(256)
fn conv2d_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let plane = P.OH * P.OW;
  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);
  if (t >= P.N * plane) { return; }
  let o0 = wid.z * B;
  let n = t / plane;
  let r = t % plane;
  let i = r / P.OW;
  let j = r % P.OW;
  var acc: array<f32, 8>;
  let kk = P.KH * P.KW;
  for (var c = 0u; c < P.C; c++) {
    let xbase = (n * P.C + c) * P.H;
    for (var p = 0u; p < P.KH; p++) {
      let h = i32(i + p) - i32(P.PH);
      if (h < 0 || h >= i32(P.H)) { continue; }
      for (var q = 0u; q < P.KW; q++) {
        let v = i32(j + q) - i32(P.PW);
        if (v < 0 || v >= i32(P.W)) { continue; }
        let xv = x[(xbase + u32(h)) * P.W + u32(v)];
        let wbase = (o0 * P.C + c) * kk + p * P.KW + q;
        for (var k = 0u; k < B; k++) {
          if (o0 + k < P.O) { acc[k] = fma(xv, w[wbase + k * P.C * kk], acc[k]); }
        }
      }
    }
  }
  for (var k = 0u; k < B; k++) {
    let o = o0 + k;
    if (o >= P.O) { break; }
    var s = acc[k];
    if (HAS_BIAS) { s += b[o]; }
    y[(n * P.O + o) * plane + r] = s;
  }
}

// backward_input: (P, dy, w, dx); grid: x, y over input pixels, z over blocks of 8 input channels.
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn conv2d_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                         @builtin(local_invocation_index) lid: u32) {
  let plane = P.H * P.W;
  let t = flat256(vec3u(wid.xy, 0u), nwg, lid);
  if (t >= P.N * plane) { return; }
  let c0 = wid.z * B;
  let n = t / plane;
  let r = t % plane;
  let h = r / P.W;
  let v = r % P.W;
  var acc: array<f32, 8>;
  let kk = P.KH * P.KW;
  for (var o = 0u; o < P.O; o++) {
    let ybase = (n * P.O + o) * P.OH;
    for (var p = 0u; p < P.KH; p++) {
      let i = i32(h + P.PH) - i32(p);
      if (i < 0 || i >= i32(P.OH)) { continue; }
      for (var q = 0u; q < P.KW; q++) {
        let j = i32(v + P.PW) - i32(q);
        if (j < 0 || j >= i32(P.OW)) { continue; }
        let g = dy[(ybase + u32(i)) * P.OW + u32(j)];
        let wbase = (o * P.C + c0) * kk + p * P.KW + q;
        for (var k = 0u; k < B; k++) {
          if (c0 + k < P.C) { acc[k] = fma(g, w[wbase + k * kk], acc[k]); }
        }
      }
    }
  }
  for (var k = 0u; k < B; k++) {
    let c = c0 + k;
    if (c >= P.C) { break; }
    dx[(n * P.C + c) * plane + r] = acc[k];
  }
}
