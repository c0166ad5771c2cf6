// Conv2d (stride 1, zero padding, NCHW activations, OIHW weights) as register-blocked GEMMs for
// CPU adapters (lavapipe, SwiftShader): no workgroup memory and no barriers. A CPU adapter runs a
// workgroup's invocations as SIMD lanes of one CPU thread and saves every lane's state at each
// barrier; here each lane reads straight from the storage buffers (the CPU caches stage them).
// Invocation `lane` of a workgroup of WG computes TL outputs along the lane axis (lane, lane + WG,
// …) times TU outputs along the other axis, which depends on the workgroup id only: those TU
// operands are the same address in every lane (one scalar load, broadcast), the TL are per lane.
//   forward          y[n,o,i,j] = b[o] + Σ_{c,p,q} x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]
//                    lanes: output pixels (n,i,j); uniform: TU output channels o
//   backward_input   dx[n,c,h,v] = Σ_{o,p,q} dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]
//                    lanes: input pixels (n,h,v); uniform: TU input channels c
//   backward_weight  dw[o,c,p,q] = Σ_{n,i,j} dy[n,o,i,j] · x[n,c,i+p-PH,j+q-PW]
//                    lanes: output channels o; uniform: TU columns (c,p,q); K = (n,i,j) split in
//                    chunks, workgroup z = s writing partial s (S·O·C·KH·KW floats; reduced after).

override HAS_BIAS: bool = false;

const WG = 64u;  // invocations per workgroup (lanes)
const TL = 1u;   // outputs per lane along the lane axis
const TU = 8u;   // outputs per lane along the uniform axis

struct ConvCpuParams {
  N: u32, C: u32, H: u32, W: u32,      // input
  O: u32, OH: u32, OW: u32,            // output
  KH: u32, KW: u32, PH: u32, PW: u32,  // kernel, padding
  chunk: u32,                          // backward_weight: k per split
}

@group(0) @binding(0) var<uniform> P: ConvCpuParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> xw: array<f32>;  // backward_weight: x
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(WG)
fn conv_cpu_forward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let OHW = P.OH * P.OW;
  let HW = P.H * P.W;
  let M = P.N * OHW;
  let K = P.C * P.KH * P.KW;
  let o0 = wid.y * TU;
  // Per lane and row t: the input row and column of tap (0, 0) (−1 past M: never in bounds) and
  // the offset of x[n, 0, h, u] there.
  var h0: array<i32, TL>;
  var u0: array<i32, TL>;
  var off: array<i32, TL>;
  for (var t = 0u; t < TL; t++) {
    let m = (wid.x * TL + t) * WG + lane;
    let pix = m % OHW;
    h0[t] = select(-i32(P.KH) - i32(P.H), i32(pix / P.OW) - i32(P.PH), m < M);
    u0[t] = i32(pix % P.OW) - i32(P.PW);
    off[t] = i32((m / OHW) * P.C * HW) + h0[t] * i32(P.W) + u0[t];
  }
  var acc: array<array<f32, TU>, TL>;
  var k = 0u;
  for (var c = 0u; c < P.C; c++) {
    for (var p = 0u; p < P.KH; p++) {
      for (var q = 0u; q < P.KW; q++) {
        let tap = i32(c * HW + p * P.W + q);
        var a: array<f32, TL>;
        for (var t = 0u; t < TL; t++) {
          let h = h0[t] + i32(p);
          let u = u0[t] + i32(q);
          let ok = h >= 0 && h < i32(P.H) && u >= 0 && u < i32(P.W);
          a[t] = select(0.0, x[u32(select(0, off[t] + tap, ok))], ok);
        }
        var wv: array<f32, TU>;
        for (var j = 0u; j < TU; j++) { wv[j] = w[min(o0 + j, P.O - 1u) * K + k]; }
        for (var t = 0u; t < TL; t++) {
          for (var j = 0u; j < TU; j++) { acc[t][j] = fma(a[t], wv[j], acc[t][j]); }
        }
        k++;
      }
    }
  }
  for (var t = 0u; t < TL; t++) {
    let m = (wid.x * TL + t) * WG + lane;
    if (m >= M) { break; }
    let out = (m / OHW) * P.O * OHW + m % OHW;
    for (var j = 0u; j < TU; j++) {
      let o = o0 + j;
      if (o >= P.O) { break; }
      var bias = 0.0;
      if (HAS_BIAS) { bias = b[o]; }
      y[out + o * OHW] = acc[t][j] + bias;
    }
  }
}

@compute @workgroup_size(WG)
fn conv_cpu_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let OHW = P.OH * P.OW;
  let HW = P.H * P.W;
  let KK = P.KH * P.KW;
  let M = P.N * HW;
  let c0 = wid.y * TU;
  // Per lane and row t: the output row and column that tap (0, 0) reads (h + PH, v + PW; −1 past
  // M: never in bounds) and the offset of dy[n, 0, i, j] there.
  var i0: array<i32, TL>;
  var j0: array<i32, TL>;
  var off: array<i32, TL>;
  for (var t = 0u; t < TL; t++) {
    let m = (wid.x * TL + t) * WG + lane;
    let pix = m % HW;
    i0[t] = select(-1, i32(pix / P.W + P.PH), m < M);
    j0[t] = i32(pix % P.W + P.PW);
    off[t] = i32((m / HW) * P.O * OHW) + i0[t] * i32(P.OW) + j0[t];
  }
  var acc: array<array<f32, TU>, TL>;
  for (var o = 0u; o < P.O; o++) {
    for (var p = 0u; p < P.KH; p++) {
      for (var q = 0u; q < P.KW; q++) {
        let tap = i32(o * OHW) - i32(p * P.OW + q);
        var a: array<f32, TL>;
        for (var t = 0u; t < TL; t++) {
          let i = i0[t] - i32(p);
          let j = j0[t] - i32(q);
          let ok = i >= 0 && i < i32(P.OH) && j >= 0 && j < i32(P.OW);
          a[t] = select(0.0, dy[u32(select(0, off[t] + tap, ok))], ok);
        }
        var wv: array<f32, TU>;
        let wrow = o * P.C * KK + p * P.KW + q;
        for (var j = 0u; j < TU; j++) { wv[j] = w[wrow + min(c0 + j, P.C - 1u) * KK]; }
        for (var t = 0u; t < TL; t++) {
          for (var j = 0u; j < TU; j++) { acc[t][j] = fma(a[t], wv[j], acc[t][j]); }
        }
      }
    }
  }
  for (var t = 0u; t < TL; t++) {
    let m = (wid.x * TL + t) * WG + lane;
    if (m >= M) { break; }
    let out = (m / HW) * P.C * HW + m % HW;
    for (var j = 0u; j < TU; j++) {
      let c = c0 + j;
      if (c >= P.C) { break; }
      dx[out + c * HW] = acc[t][j];
    }
  }
}

@compute @workgroup_size(WG)
fn conv_cpu_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let OHW = P.OH * P.OW;
  let HW = P.H * P.W;
  let KK = P.KH * P.KW;
  let NW = P.C * KK;
  let K = P.N * OHW;
  let n0 = wid.y * TU;
  let kbeg = wid.z * P.chunk;
  let kend = min(K, kbeg + P.chunk);
  // Per column j (uniform): the offset of x[0, c, p − PH, q − PW] and its tap's row and column shift.
  var xoff: array<i32, TU>;
  var dh: array<i32, TU>;
  var du: array<i32, TU>;
  for (var j = 0u; j < TU; j++) {
    let nn = min(n0 + j, NW - 1u);
    let r = nn % KK;
    dh[j] = i32(r / P.KW) - i32(P.PH);
    du[j] = i32(r % P.KW) - i32(P.PW);
    xoff[j] = i32((nn / KK) * HW) + dh[j] * i32(P.W) + du[j];
  }
  // Per lane and row t: the output channel's offset in dy.
  var dyoff: array<u32, TL>;
  for (var t = 0u; t < TL; t++) { dyoff[t] = min((wid.x * TL + t) * WG + lane, P.O - 1u) * OHW; }
  var acc: array<array<f32, TL>, TU>;
  var img = kbeg / OHW;
  var pix = kbeg % OHW;
  var i = pix / P.OW;
  var jj = pix % P.OW;
  for (var k = kbeg; k < kend; k++) {
    let dybase = img * P.O * OHW + pix;
    let xbase = i32(img * P.C * HW + i * P.W + jj);
    var a: array<f32, TL>;
    for (var t = 0u; t < TL; t++) { a[t] = dy[dybase + dyoff[t]]; }
    for (var j = 0u; j < TU; j++) {
      let h = i32(i) + dh[j];
      let u = i32(jj) + du[j];
      let ok = h >= 0 && h < i32(P.H) && u >= 0 && u < i32(P.W);
      let v = select(0.0, xw[u32(select(0, xbase + xoff[j], ok))], ok);
      for (var t = 0u; t < TL; t++) { acc[j][t] = fma(a[t], v, acc[j][t]); }
    }
    // Next k = (n, i, j): step the counters instead of dividing.
    pix++;
    jj++;
    if (jj == P.OW) { jj = 0u; i++; }
    if (pix == OHW) { pix = 0u; i = 0u; img++; }
  }
  let out0 = wid.z * P.O * NW;
  for (var t = 0u; t < TL; t++) {
    let o = (wid.x * TL + t) * WG + lane;
    if (o >= P.O) { break; }
    for (var j = 0u; j < TU; j++) {
      let nn = n0 + j;
      if (nn >= NW) { break; }
      dw[out0 + o * NW + nn] = acc[j][t];
    }
  }
}
