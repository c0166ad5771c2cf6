// Conv2d (stride 1, zero padding, NCHW activations, OIHW weights) as register-blocked GEMMs for
// CPU adapters, every loop over the block written out. conv_cpu.wgsl's loops over TL × TU are
// unrolled by lavapipe's compiler but not by SwiftShader's JIT (Subzero in Chromium), which keeps
// such arrays in memory and redoes the index arithmetic per multiply-add: written out, the same
// block runs 3–4× faster there (docs/bench/README.md) and no slower on lavapipe.
// Each lane computes 8 outputs along the lane axis (two vec4f: rows t and t + 4 of lane, lane + WG,
// …) × 16 along the uniform axis (the same address in every lane: one scalar load, broadcast):
// accumulators c0…c15 (rows 0–3) and d0…d15 (rows 4–7). The sums are those of conv_cpu.wgsl:
//   forward          y[n,o,i,j] = b[o] + Σ_{c,p,q} x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]
//   backward_input   dx[n,c,h,v] = Σ_{o,p,q} dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]
//   backward_weight  dw[o,c,p,q] = Σ_{n,i,j} dy[n,o,i,j] · x[n,c,i+p-PH,j+q-PW]  (K split in chunks)
// A block past the edge clamps its uniform indices (computes a copy) and skips those writes.

override HAS_BIAS: bool = false;

const WG = 16u;  // lanes per workgroup; 8 × 16 outputs each

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

// The lane's rows 0–3 (ta = 0) or 4–7 (ta = 1) of workgroup x.
fn laneRows(wx: u32, lane: u32, ta: u32) -> vec4u {
  return (vec4u(wx * 8u + 4u * ta) + vec4u(0u, 1u, 2u, 3u)) * WG + vec4u(lane);
}


@compute @workgroup_size(WG)
fn conv_cpu_unrolled_forward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let OHW = P.OH * P.OW;
  let HW = P.H * P.W;
  let M = P.N * OHW;
  let K = P.C * P.KH * P.KW;
  let o0 = wid.y * 16u;
  let Om = P.O - 1u;
  // Per row: the input row and column of tap (0, 0) (far out past M: never in bounds) and the
  // offset of x[n, 0, h, u] there.
  let m = laneRows(wid.x, lane, 0u);
  let mB = laneRows(wid.x, lane, 1u);
  let far = vec4i(-i32(P.KH) - i32(P.H));
  let h0 = select(far, vec4i(m % vec4u(OHW) / vec4u(P.OW)) - vec4i(i32(P.PH)), m < vec4u(M));
  let h0B = select(far, vec4i(mB % vec4u(OHW) / vec4u(P.OW)) - vec4i(i32(P.PH)), mB < vec4u(M));
  let u0 = vec4i(m % vec4u(OHW) % vec4u(P.OW)) - vec4i(i32(P.PW));
  let u0B = vec4i(mB % vec4u(OHW) % vec4u(P.OW)) - vec4i(i32(P.PW));
  let off = vec4i(m / vec4u(OHW) * vec4u(P.C * HW)) + h0 * vec4i(i32(P.W)) + u0;
  let offB = vec4i(mB / vec4u(OHW) * vec4u(P.C * HW)) + h0B * vec4i(i32(P.W)) + u0B;
  // The 16 weight rows (output channels o0…o0+15, clamped to the last).
  let ra = vec4u(min(o0 + 0u, Om), min(o0 + 1u, Om), min(o0 + 2u, Om), min(o0 + 3u, Om)) * K;
  let rb = vec4u(min(o0 + 4u, Om), min(o0 + 5u, Om), min(o0 + 6u, Om), min(o0 + 7u, Om)) * K;
  let rc = vec4u(min(o0 + 8u, Om), min(o0 + 9u, Om), min(o0 + 10u, Om), min(o0 + 11u, Om)) * K;
  let rd = vec4u(min(o0 + 12u, Om), min(o0 + 13u, Om), min(o0 + 14u, Om), min(o0 + 15u, Om)) * K;
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0); var c4 = vec4f(0.0); var c5 = vec4f(0.0); var c6 = vec4f(0.0); var c7 = vec4f(0.0);
  var c8 = vec4f(0.0); var c9 = vec4f(0.0); var c10 = vec4f(0.0); var c11 = vec4f(0.0); var c12 = vec4f(0.0); var c13 = vec4f(0.0); var c14 = vec4f(0.0); var c15 = vec4f(0.0);
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0); var d4 = vec4f(0.0); var d5 = vec4f(0.0); var d6 = vec4f(0.0); var d7 = vec4f(0.0);
  var d8 = vec4f(0.0); var d9 = vec4f(0.0); var d10 = vec4f(0.0); var d11 = vec4f(0.0); var d12 = vec4f(0.0); var d13 = vec4f(0.0); var d14 = vec4f(0.0); var d15 = vec4f(0.0);
  let Hi = vec4i(i32(P.H));
  let Wi = vec4i(i32(P.W));
  var k = 0u;
  for (var c = 0u; c < P.C; c++) {
    for (var p = 0u; p < P.KH; p++) {
      let h = h0 + vec4i(i32(p));
      let hB = h0B + vec4i(i32(p));
      let hok = (h >= vec4i(0)) & (h < Hi);
      let hokB = (hB >= vec4i(0)) & (hB < Hi);
      for (var q = 0u; q < P.KW; q++) {
        let tap = vec4i(i32(c * HW + p * P.W + q));
        let u = u0 + vec4i(i32(q));
        let uB = u0B + vec4i(i32(q));
        let ok = hok & (u >= vec4i(0)) & (u < Wi);
        let okB = hokB & (uB >= vec4i(0)) & (uB < Wi);
        let i = vec4u(select(vec4i(0), off + tap, ok));
        let iB = vec4u(select(vec4i(0), offB + tap, okB));
        let a = select(vec4f(0.0), vec4f(x[i.x], x[i.y], x[i.z], x[i.w]), ok);
        let aB = select(vec4f(0.0), vec4f(x[iB.x], x[iB.y], x[iB.z], x[iB.w]), okB);
        let wa = ra + vec4u(k);
        let wb = rb + vec4u(k);
        let wc = rc + vec4u(k);
        let wd = rd + vec4u(k);
        let w0 = vec4f(w[wa.x]); c0 = fma(a, w0, c0); d0 = fma(aB, w0, d0);
        let w1 = vec4f(w[wa.y]); c1 = fma(a, w1, c1); d1 = fma(aB, w1, d1);
        let w2 = vec4f(w[wa.z]); c2 = fma(a, w2, c2); d2 = fma(aB, w2, d2);
        let w3 = vec4f(w[wa.w]); c3 = fma(a, w3, c3); d3 = fma(aB, w3, d3);
        let w4 = vec4f(w[wb.x]); c4 = fma(a, w4, c4); d4 = fma(aB, w4, d4);
        let w5 = vec4f(w[wb.y]); c5 = fma(a, w5, c5); d5 = fma(aB, w5, d5);
        let w6 = vec4f(w[wb.z]); c6 = fma(a, w6, c6); d6 = fma(aB, w6, d6);
        let w7 = vec4f(w[wb.w]); c7 = fma(a, w7, c7); d7 = fma(aB, w7, d7);
        let w8 = vec4f(w[wc.x]); c8 = fma(a, w8, c8); d8 = fma(aB, w8, d8);
        let w9 = vec4f(w[wc.y]); c9 = fma(a, w9, c9); d9 = fma(aB, w9, d9);
        let w10 = vec4f(w[wc.z]); c10 = fma(a, w10, c10); d10 = fma(aB, w10, d10);
        let w11 = vec4f(w[wc.w]); c11 = fma(a, w11, c11); d11 = fma(aB, w11, d11);
        let w12 = vec4f(w[wd.x]); c12 = fma(a, w12, c12); d12 = fma(aB, w12, d12);
        let w13 = vec4f(w[wd.y]); c13 = fma(a, w13, c13); d13 = fma(aB, w13, d13);
        let w14 = vec4f(w[wd.z]); c14 = fma(a, w14, c14); d14 = fma(aB, w14, d14);
        let w15 = vec4f(w[wd.w]); c15 = fma(a, w15, c15); d15 = fma(aB, w15, d15);
        k++;
      }
    }
  }
  let acc = array<vec4f, 16>(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
  let accB = array<vec4f, 16>(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11, d12, d13, d14, d15);
  for (var t = 0u; t < 8u; t++) {
    let mt = select(m[t % 4u], mB[t % 4u], t >= 4u);
    if (mt >= M) { break; }
    let out = (mt / OHW) * P.O * OHW + mt % OHW;
    for (var j = 0u; j < 16u; j++) {
      let o = o0 + j;
      if (o >= P.O) { break; }
      var bias = 0.0;
      if (HAS_BIAS) { bias = b[o]; }
      y[out + o * OHW] = select(acc[j][t % 4u], accB[j][t % 4u], t >= 4u) + bias;
    }
  }
}

@compute @workgroup_size(WG)
fn conv_cpu_unrolled_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let OHW = P.OH * P.OW;
  let HW = P.H * P.W;
  let KK = P.KH * P.KW;
  let M = P.N * HW;
  let ch0 = wid.y * 16u;
  let Cm = P.C - 1u;
  // Per row: the output row and column that tap (0, 0) reads (h + PH, v + PW; −1 past M: never
  // in bounds) and the offset of dy[n, 0, i, j] there.
  let m = laneRows(wid.x, lane, 0u);
  let mB = laneRows(wid.x, lane, 1u);
  let i0 = select(vec4i(-1), vec4i(m % vec4u(HW) / vec4u(P.W) + vec4u(P.PH)), m < vec4u(M));
  let i0B = select(vec4i(-1), vec4i(mB % vec4u(HW) / vec4u(P.W) + vec4u(P.PH)), mB < vec4u(M));
  let j0 = vec4i(m % vec4u(HW) % vec4u(P.W) + vec4u(P.PW));
  let j0B = vec4i(mB % vec4u(HW) % vec4u(P.W) + vec4u(P.PW));
  let off = vec4i(m / vec4u(HW) * vec4u(P.O * OHW)) + i0 * vec4i(i32(P.OW)) + j0;
  let offB = vec4i(mB / vec4u(HW) * vec4u(P.O * OHW)) + i0B * vec4i(i32(P.OW)) + j0B;
  // The 16 input channels' offsets in a weight row (ch0…ch0+15, clamped to the last).
  let ra = vec4u(min(ch0 + 0u, Cm), min(ch0 + 1u, Cm), min(ch0 + 2u, Cm), min(ch0 + 3u, Cm)) * KK;
  let rb = vec4u(min(ch0 + 4u, Cm), min(ch0 + 5u, Cm), min(ch0 + 6u, Cm), min(ch0 + 7u, Cm)) * KK;
  let rc = vec4u(min(ch0 + 8u, Cm), min(ch0 + 9u, Cm), min(ch0 + 10u, Cm), min(ch0 + 11u, Cm)) * KK;
  let rd = vec4u(min(ch0 + 12u, Cm), min(ch0 + 13u, Cm), min(ch0 + 14u, Cm), min(ch0 + 15u, Cm)) * KK;
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0); var c4 = vec4f(0.0); var c5 = vec4f(0.0); var c6 = vec4f(0.0); var c7 = vec4f(0.0);
  var c8 = vec4f(0.0); var c9 = vec4f(0.0); var c10 = vec4f(0.0); var c11 = vec4f(0.0); var c12 = vec4f(0.0); var c13 = vec4f(0.0); var c14 = vec4f(0.0); var c15 = vec4f(0.0);
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0); var d4 = vec4f(0.0); var d5 = vec4f(0.0); var d6 = vec4f(0.0); var d7 = vec4f(0.0);
  var d8 = vec4f(0.0); var d9 = vec4f(0.0); var d10 = vec4f(0.0); var d11 = vec4f(0.0); var d12 = vec4f(0.0); var d13 = vec4f(0.0); var d14 = vec4f(0.0); var d15 = vec4f(0.0);
  let OHi = vec4i(i32(P.OH));
  let OWi = vec4i(i32(P.OW));
  for (var o = 0u; o < P.O; o++) {
    for (var p = 0u; p < P.KH; p++) {
      let ii = i0 - vec4i(i32(p));
      let iiB = i0B - vec4i(i32(p));
      let iok = (ii >= vec4i(0)) & (ii < OHi);
      let iokB = (iiB >= vec4i(0)) & (iiB < OHi);
      for (var q = 0u; q < P.KW; q++) {
        let tap = vec4i(i32(o * OHW) - i32(p * P.OW + q));
        let jj = j0 - vec4i(i32(q));
        let jjB = j0B - vec4i(i32(q));
        let ok = iok & (jj >= vec4i(0)) & (jj < OWi);
        let okB = iokB & (jjB >= vec4i(0)) & (jjB < OWi);
        let i = vec4u(select(vec4i(0), off + tap, ok));
        let iB = vec4u(select(vec4i(0), offB + tap, okB));
        let a = select(vec4f(0.0), vec4f(dy[i.x], dy[i.y], dy[i.z], dy[i.w]), ok);
        let aB = select(vec4f(0.0), vec4f(dy[iB.x], dy[iB.y], dy[iB.z], dy[iB.w]), okB);
        let wrow = vec4u(o * P.C * KK + p * P.KW + q);
        let wa = ra + wrow;
        let wb = rb + wrow;
        let wc = rc + wrow;
        let wd = rd + wrow;
        let w0 = vec4f(w[wa.x]); c0 = fma(a, w0, c0); d0 = fma(aB, w0, d0);
        let w1 = vec4f(w[wa.y]); c1 = fma(a, w1, c1); d1 = fma(aB, w1, d1);
        let w2 = vec4f(w[wa.z]); c2 = fma(a, w2, c2); d2 = fma(aB, w2, d2);
        let w3 = vec4f(w[wa.w]); c3 = fma(a, w3, c3); d3 = fma(aB, w3, d3);
        let w4 = vec4f(w[wb.x]); c4 = fma(a, w4, c4); d4 = fma(aB, w4, d4);
        let w5 = vec4f(w[wb.y]); c5 = fma(a, w5, c5); d5 = fma(aB, w5, d5);
        let w6 = vec4f(w[wb.z]); c6 = fma(a, w6, c6); d6 = fma(aB, w6, d6);
        let w7 = vec4f(w[wb.w]); c7 = fma(a, w7, c7); d7 = fma(aB, w7, d7);
        let w8 = vec4f(w[wc.x]); c8 = fma(a, w8, c8); d8 = fma(aB, w8, d8);
        let w9 = vec4f(w[wc.y]); c9 = fma(a, w9, c9); d9 = fma(aB, w9, d9);
        let w10 = vec4f(w[wc.z]); c10 = fma(a, w10, c10); d10 = fma(aB, w10, d10);
        let w11 = vec4f(w[wc.w]); c11 = fma(a, w11, c11); d11 = fma(aB, w11, d11);
        let w12 = vec4f(w[wd.x]); c12 = fma(a, w12, c12); d12 = fma(aB, w12, d12);
        let w13 = vec4f(w[wd.y]); c13 = fma(a, w13, c13); d13 = fma(aB, w13, d13);
        let w14 = vec4f(w[wd.z]); c14 = fma(a, w14, c14); d14 = fma(aB, w14, d14);
        let w15 = vec4f(w[wd.w]); c15 = fma(a, w15, c15); d15 = fma(aB, w15, d15);
      }
    }
  }
  let acc = array<vec4f, 16>(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
  let accB = array<vec4f, 16>(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11, d12, d13, d14, d15);
  for (var t = 0u; t < 8u; t++) {
    let mt = select(m[t % 4u], mB[t % 4u], t >= 4u);
    if (mt >= M) { break; }
    let out = (mt / HW) * P.C * HW + mt % HW;
    for (var j = 0u; j < 16u; j++) {
      let c = ch0 + j;
      if (c >= P.C) { break; }
      dx[out + c * HW] = select(acc[j][t % 4u], accB[j][t % 4u], t >= 4u);
    }
  }
}

@compute @workgroup_size(WG)
fn conv_cpu_unrolled_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let OHW = P.OH * P.OW;
  let HW = P.H * P.W;
  let KK = P.KH * P.KW;
  let NW = P.C * KK;
  let K = P.N * OHW;
  let n0 = wid.y * 16u;
  let kbeg = wid.z * P.chunk;
  let kend = min(K, kbeg + P.chunk);
  // Per column (c, p, q) of the 16 (uniform; clamped to the last): the offset of
  // x[0, c, p − PH, q − PW] and its tap's row and column shift, four columns per vec4.
  var dh: array<vec4i, 4>;
  var du: array<vec4i, 4>;
  var xo: array<vec4i, 4>;
  for (var g = 0u; g < 4u; g++) {
    let nn = min(vec4u(n0 + 4u * g) + vec4u(0u, 1u, 2u, 3u), vec4u(NW - 1u));
    let r = nn % vec4u(KK);
    dh[g] = vec4i(r / vec4u(P.KW)) - vec4i(i32(P.PH));
    du[g] = vec4i(r % vec4u(P.KW)) - vec4i(i32(P.PW));
    xo[g] = vec4i(nn / vec4u(KK) * vec4u(HW)) + dh[g] * vec4i(i32(P.W)) + du[g];
  }
  let dha = dh[0]; let dhb = dh[1]; let dhc = dh[2]; let dhd = dh[3];
  let dua = du[0]; let dub = du[1]; let duc = du[2]; let dud = du[3];
  let xoa = xo[0]; let xob = xo[1]; let xoc = xo[2]; let xod = xo[3];
  // Per row: the output channel's offset in dy (rows past O read the last channel; not written).
  let Om = vec4u(P.O - 1u);
  let dyo = min(laneRows(wid.x, lane, 0u), Om) * vec4u(OHW);
  let dyoB = min(laneRows(wid.x, lane, 1u), Om) * vec4u(OHW);
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0); var c4 = vec4f(0.0); var c5 = vec4f(0.0); var c6 = vec4f(0.0); var c7 = vec4f(0.0);
  var c8 = vec4f(0.0); var c9 = vec4f(0.0); var c10 = vec4f(0.0); var c11 = vec4f(0.0); var c12 = vec4f(0.0); var c13 = vec4f(0.0); var c14 = vec4f(0.0); var c15 = vec4f(0.0);
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0); var d4 = vec4f(0.0); var d5 = vec4f(0.0); var d6 = vec4f(0.0); var d7 = vec4f(0.0);
  var d8 = vec4f(0.0); var d9 = vec4f(0.0); var d10 = vec4f(0.0); var d11 = vec4f(0.0); var d12 = vec4f(0.0); var d13 = vec4f(0.0); var d14 = vec4f(0.0); var d15 = vec4f(0.0);
  let Hi = vec4i(i32(P.H));
  let Wi = vec4i(i32(P.W));
  var img = kbeg / OHW;
  var pix = kbeg % OHW;
  var i = pix / P.OW;
  var jj = pix % P.OW;
  for (var k = kbeg; k < kend; k++) {
    let dyb = vec4u(img * P.O * OHW + pix);
    let ia = dyb + dyo;
    let iaB = dyb + dyoB;
    let a = vec4f(dy[ia.x], dy[ia.y], dy[ia.z], dy[ia.w]);
    let aB = vec4f(dy[iaB.x], dy[iaB.y], dy[iaB.z], dy[iaB.w]);
    let xb = vec4i(i32(img * P.C * HW + i * P.W + jj));
    let hv = vec4i(i32(i));
    let uv = vec4i(i32(jj));
    let ha = hv + dha;
    let ua = uv + dua;
    let oka = (ha >= vec4i(0)) & (ha < Hi) & (ua >= vec4i(0)) & (ua < Wi);
    let xai = vec4u(select(vec4i(0), xb + xoa, oka));
    let va = select(vec4f(0.0), vec4f(xw[xai.x], xw[xai.y], xw[xai.z], xw[xai.w]), oka);
    let hb = hv + dhb;
    let ub = uv + dub;
    let okb = (hb >= vec4i(0)) & (hb < Hi) & (ub >= vec4i(0)) & (ub < Wi);
    let xbi = vec4u(select(vec4i(0), xb + xob, okb));
    let vb = select(vec4f(0.0), vec4f(xw[xbi.x], xw[xbi.y], xw[xbi.z], xw[xbi.w]), okb);
    let hc = hv + dhc;
    let uc = uv + duc;
    let okc = (hc >= vec4i(0)) & (hc < Hi) & (uc >= vec4i(0)) & (uc < Wi);
    let xci = vec4u(select(vec4i(0), xb + xoc, okc));
    let vc = select(vec4f(0.0), vec4f(xw[xci.x], xw[xci.y], xw[xci.z], xw[xci.w]), okc);
    let hd = hv + dhd;
    let ud = uv + dud;
    let okd = (hd >= vec4i(0)) & (hd < Hi) & (ud >= vec4i(0)) & (ud < Wi);
    let xdi = vec4u(select(vec4i(0), xb + xod, okd));
    let vd = select(vec4f(0.0), vec4f(xw[xdi.x], xw[xdi.y], xw[xdi.z], xw[xdi.w]), okd);
    let w0 = vec4f(va.x); c0 = fma(a, w0, c0); d0 = fma(aB, w0, d0);
    let w1 = vec4f(va.y); c1 = fma(a, w1, c1); d1 = fma(aB, w1, d1);
    let w2 = vec4f(va.z); c2 = fma(a, w2, c2); d2 = fma(aB, w2, d2);
    let w3 = vec4f(va.w); c3 = fma(a, w3, c3); d3 = fma(aB, w3, d3);
    let w4 = vec4f(vb.x); c4 = fma(a, w4, c4); d4 = fma(aB, w4, d4);
    let w5 = vec4f(vb.y); c5 = fma(a, w5, c5); d5 = fma(aB, w5, d5);
    let w6 = vec4f(vb.z); c6 = fma(a, w6, c6); d6 = fma(aB, w6, d6);
    let w7 = vec4f(vb.w); c7 = fma(a, w7, c7); d7 = fma(aB, w7, d7);
    let w8 = vec4f(vc.x); c8 = fma(a, w8, c8); d8 = fma(aB, w8, d8);
    let w9 = vec4f(vc.y); c9 = fma(a, w9, c9); d9 = fma(aB, w9, d9);
    let w10 = vec4f(vc.z); c10 = fma(a, w10, c10); d10 = fma(aB, w10, d10);
    let w11 = vec4f(vc.w); c11 = fma(a, w11, c11); d11 = fma(aB, w11, d11);
    let w12 = vec4f(vd.x); c12 = fma(a, w12, c12); d12 = fma(aB, w12, d12);
    let w13 = vec4f(vd.y); c13 = fma(a, w13, c13); d13 = fma(aB, w13, d13);
    let w14 = vec4f(vd.z); c14 = fma(a, w14, c14); d14 = fma(aB, w14, d14);
    let w15 = vec4f(vd.w); c15 = fma(a, w15, c15); d15 = fma(aB, w15, d15);
    // Next k = (n, i, j): step the counters instead of dividing.
    pix++;
    jj++;
    if (jj == P.OW) { jj = 0u; i++; }
    if (pix == OHW) { pix = 0u; i = 0u; img++; }
  }
  let acc = array<vec4f, 16>(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
  let accB = array<vec4f, 16>(d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10, d11, d12, d13, d14, d15);
  let out0 = wid.z * P.O * NW;
  for (var t = 0u; t < 8u; t++) {
    let o = laneRows(wid.x, lane, t / 4u)[t % 4u];
    if (o >= P.O) { break; }
    for (var j = 0u; j < 16u; j++) {
      let nn = n0 + j;
      if (nn >= NW) { break; }
      dw[out0 + o * NW + nn] = select(acc[j][t % 4u], accB[j][t % 4u], t >= 4u);
    }
  }
}
