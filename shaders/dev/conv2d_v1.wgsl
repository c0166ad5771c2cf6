// conv2d v1 (kept for comparison in bench:kernels; the engine uses shaders/conv2d.wgsl).
// Conv2d, stride 1, zero padding, NCHW activations, OIHW weights; any kernel size.
//   forward          y[n,o,i,j]  = b[o] + Σ_c Σ_p Σ_q x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]
//   backward_input   dx[n,c,h,v] = Σ_o Σ_p Σ_q dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]
//   backward_weight  dw[o,c,p,q] = Σ_n Σ_i Σ_j dy[n,o,i,j] · x[n,c,i+p-PH,j+q-PW]
//   backward_bias    db[o]       = Σ_n Σ_i Σ_j dy[n,o,i,j]
// v1: direct loops. One thread per output element (forward, backward_input); one workgroup per
// weight element or bias element, reducing over the batch and the image (backward_weight, _bias).

override HAS_BIAS: bool = false;

struct Params {
  N: u32, C: u32, H: u32, W: u32,      // input
  O: u32, OH: u32, OW: u32,            // output
  KH: u32, KW: u32, PH: u32, PW: u32,  // kernel, padding
}

@group(0) @binding(0) var<uniform> P: Params;

// forward: (P, x, w, y, b)
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;

fn flat(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * 256u + lid;
}

@compute @workgroup_size(256)
fn conv2d_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let idx = flat(wid, nwg, lid);
  if (idx >= P.N * P.O * P.OH * P.OW) { return; }
  let j = idx % P.OW;
  let i = (idx / P.OW) % P.OH;
  let o = (idx / (P.OW * P.OH)) % P.O;
  let n = idx / (P.OW * P.OH * P.O);
  var s = 0.0;
  for (var c = 0u; c < P.C; c++) {
    let xbase = (n * P.C + c) * P.H;
    let wbase = (o * P.C + c) * P.KH;
    for (var p = 0u; p < P.KH; p++) {
      let h = i32(i + p) - i32(P.PH);
      if (h < 0 || h >= i32(P.H)) { continue; }
      for (var q = 0u; q < P.KW; q++) {
        let v = i32(j + q) - i32(P.PW);
        if (v < 0 || v >= i32(P.W)) { continue; }
        s = fma(x[(xbase + u32(h)) * P.W + u32(v)], w[(wbase + p) * P.KW + q], s);
      }
    }
  }
  if (HAS_BIAS) { s += b[o]; }
  y[idx] = s;
}

// backward_input: (P, dy, w, dx)
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn conv2d_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                         @builtin(local_invocation_index) lid: u32) {
  let idx = flat(wid, nwg, lid);
  if (idx >= P.N * P.C * P.H * P.W) { return; }
  let v = idx % P.W;
  let h = (idx / P.W) % P.H;
  let c = (idx / (P.W * P.H)) % P.C;
  let n = idx / (P.W * P.H * P.C);
  var s = 0.0;
  for (var o = 0u; o < P.O; o++) {
    let ybase = (n * P.O + o) * P.OH;
    let wbase = (o * P.C + c) * P.KH;
    for (var p = 0u; p < P.KH; p++) {
      let i = i32(h + P.PH) - i32(p);
      if (i < 0 || i >= i32(P.OH)) { continue; }
      for (var q = 0u; q < P.KW; q++) {
        let j = i32(v + P.PW) - i32(q);
        if (j < 0 || j >= i32(P.OW)) { continue; }
        s = fma(dy[(ybase + u32(i)) * P.OW + u32(j)], w[(wbase + p) * P.KW + q], s);
      }
    }
  }
  dx[idx] = s;
}

var<workgroup> red: array<f32, 256>;

fn reduce_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

// backward_weight: (P, dy, x, dw), one workgroup per weight element.
@group(0) @binding(2) var<storage, read> x_saved: array<f32>;
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(256)
fn conv2d_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                          @builtin(local_invocation_index) lid: u32) {
  let e = wid.y * nwg.x + wid.x;
  if (e >= P.O * P.C * P.KH * P.KW) { return; }
  let q = e % P.KW;
  let p = (e / P.KW) % P.KH;
  let c = (e / (P.KW * P.KH)) % P.C;
  let o = e / (P.KW * P.KH * P.C);
  let plane = P.OH * P.OW;
  var s = 0.0;
  for (var t = lid; t < P.N * plane; t += 256u) {
    let n = t / plane;
    let r = t % plane;
    let i = r / P.OW;
    let j = r % P.OW;
    let h = i32(i + p) - i32(P.PH);
    let v = i32(j + q) - i32(P.PW);
    if (h < 0 || h >= i32(P.H) || v < 0 || v >= i32(P.W)) { continue; }
    s = fma(dy[(n * P.O + o) * plane + r], x_saved[((n * P.C + c) * P.H + u32(h)) * P.W + u32(v)], s);
  }
  let total = reduce_sum(lid, s);
  if (lid == 0u) { dw[e] = total; }
}

// backward_bias: (P, dy, db), one workgroup per output channel.
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(256)
fn conv2d_backward_bias(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = wid.x;
  let plane = P.OH * P.OW;
  var s = 0.0;
  for (var t = lid; t < P.N * plane; t += 256u) {
    let n = t / plane;
    s += dy[(n * P.O + o) * plane + t % plane];
  }
  let total = reduce_sum(lid, s);
  if (lid == 0u) { db[o] = total; }
}
