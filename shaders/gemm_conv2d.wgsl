// Conv2d (stride 1, zero padding, NCHW activations, OIHW weights) as implicit GEMMs: the
// im2col matrix is never stored, each tile element is gathered from the activations as it is staged.
//   forward          y[n,o,i,j]  = b[o] + Σ_{c,p,q} x[n,c,i+p-PH,j+q-PW] · w[o,c,p,q]
//                    GEMM M = N·OH·OW (n,i,j), N = O, K = C·KH·KW (c,p,q):
//                    A[m,k] = x[n,c,i+p-PH,j+q-PW], B[k,o] = w[o,k]
//   backward_input   dx[n,c,h,v] = Σ_{o,p,q} dy[n,o,h+PH-p,v+PW-q] · w[o,c,p,q]
//                    GEMM M = N·H·W (n,h,v), N = C, K = O·KH·KW (o,p,q):
//                    A[m,k] = dy[n,o,h+PH-p,v+PW-q] (0 outside the output), B[k,c] = w[o,c,p,q]
//   backward_weight  dw[o,c,p,q] = Σ_{n,i,j} dy[n,o,i,j] · x[n,c,i+p-PH,j+q-PW]
//                    GEMM M = O, N = C·KH·KW (c,p,q), K = N·OH·OW (n,i,j), split along K:
//                    workgroup z = s sums k in [k0 + s·chunk, k0 + (s+1)·chunk) into dw[s·O·C·KH·KW + …]
//                    (the partials; reduce_segments adds them in a fixed order, no atomics). A long K
//                    runs in rounds (k0 = r·S·chunk) so that loops stay short and partials bounded;
//                    ACCUM adds a round into dw (unsplit rounds) instead of overwriting it.
// Tiles: a workgroup of 16×16 threads computes a BM×BN tile of the GEMM (BM = 16·TM, BN = 16·TN),
// each thread a TM×TN register block at rows mi + 16·i, columns nj + 16·j; the thread index that
// runs along a row of the output in memory (lid.x) is the one whose neighbours store neighbouring
// words. K goes in steps of BK through workgroup memory: (BM + BN)·BK floats (4 KiB at 64×64×8).
// Staging: 256 % BM == 0 and 256 % BN == 0 (TM, TN powers of two ≤ 16) and BK divides 256, so each
// thread gathers for a fixed row (or k) of its tile and its index arithmetic is hoisted out of the loop.

override HAS_BIAS: bool = false;
override ACCUM: bool = false;

const TM = 4u;  // GEMM rows per thread
const TN = 4u;  // GEMM columns per thread
const BK = 8u;  // k per staged tile
const BM = 16u * TM;
const BN = 16u * TN;

struct ConvGemmParams {
  N: u32, C: u32, H: u32, W: u32,      // input
  O: u32, OH: u32, OW: u32,            // output
  KH: u32, KW: u32, PH: u32, PW: u32,  // kernel, padding
  chunk: u32,                          // backward_weight: k per split
  k0: u32,                             // backward_weight: first k of this round
}

@group(0) @binding(0) var<uniform> P: ConvGemmParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> b: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> xw: array<f32>;  // backward_weight: x
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;

var<workgroup> As: array<f32, BK * BM>;  // [BK][BM]
var<workgroup> Bs: array<f32, BK * BN>;  // [BK][BN]

// acc[i][j] += Σ_k As[k][mi + 16i] · Bs[k][nj + 16j] over the staged tiles.
fn mma(acc: ptr<function, array<array<f32, TN>, TM>>, mi: u32, nj: u32) {
  for (var k = 0u; k < BK; k++) {
    var a: array<f32, TM>;
    var bv: array<f32, TN>;
    for (var i = 0u; i < TM; i++) { a[i] = As[k * BM + mi + 16u * i]; }
    for (var j = 0u; j < TN; j++) { bv[j] = Bs[k * BN + nj + 16u * j]; }
    for (var i = 0u; i < TM; i++) {
      for (var j = 0u; j < TN; j++) { (*acc)[i][j] = fma(a[i], bv[j], (*acc)[i][j]); }
    }
  }
}

@compute @workgroup_size(16, 16)
fn conv_gemm_forward(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let OHW = P.OH * P.OW;
  let KK = P.KH * P.KW;
  let M = P.N * OHW;
  let K = P.C * KK;
  let m0 = wid.x * BM;
  let n0 = wid.y * BN;
  let tid = lid.y * 16u + lid.x;
  // A: this thread gathers row am (one output pixel) for k = ak0, ak0 + 256/BM, …
  let am = tid % BM;
  let m = m0 + am;
  let img = m / OHW;
  let pix = m % OHW;
  let oi = i32(pix / P.OW) - i32(P.PH);
  let oj = i32(pix % P.OW) - i32(P.PW);
  let xbase = img * P.C * P.H * P.W;
  // B: this thread loads k = bk for output channels bn0, bn0 + 256/BK, … (w is [O][K]).
  let bk = tid % BK;
  var acc: array<array<f32, TN>, TM>;
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var ak = tid / BM; ak < BK; ak += 256u / BM) {
      let k = k0 + ak;
      var v = 0.0;
      if (m < M && k < K) {
        let c = k / KK;
        let r = k % KK;
        let h = oi + i32(r / P.KW);
        let u = oj + i32(r % P.KW);
        if (h >= 0 && h < i32(P.H) && u >= 0 && u < i32(P.W)) { v = x[xbase + (c * P.H + u32(h)) * P.W + u32(u)]; }
      }
      As[ak * BM + am] = v;
    }
    for (var bn = tid / BK; bn < BN; bn += 256u / BK) {
      let o = n0 + bn;
      let k = k0 + bk;
      Bs[bk * BN + bn] = select(0.0, w[min(o * K + k, P.O * K - 1u)], o < P.O && k < K);
    }
    workgroupBarrier();
    mma(&acc, lid.x, lid.y);
    workgroupBarrier();
  }
  for (var j = 0u; j < TN; j++) {
    let o = n0 + lid.y + 16u * j;
    if (o >= P.O) { break; }
    var bias = 0.0;
    if (HAS_BIAS) { bias = b[o]; }
    for (var i = 0u; i < TM; i++) {
      let mm = m0 + lid.x + 16u * i;
      if (mm >= M) { break; }
      y[((mm / OHW) * P.O + o) * OHW + mm % OHW] = acc[i][j] + bias;
    }
  }
}

@compute @workgroup_size(16, 16)
fn conv_gemm_backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let HW = P.H * P.W;
  let OHW = P.OH * P.OW;
  let KK = P.KH * P.KW;
  let M = P.N * HW;
  let K = P.O * KK;
  let m0 = wid.x * BM;
  let n0 = wid.y * BN;
  let tid = lid.y * 16u + lid.x;
  // A: row am is one input pixel (n, h, v); k = (o, p, q) reads dy[n, o, h+PH-p, v+PW-q].
  let am = tid % BM;
  let m = m0 + am;
  let img = m / HW;
  let pix = m % HW;
  let hi = i32(pix / P.W) + i32(P.PH);
  let vj = i32(pix % P.W) + i32(P.PW);
  let dybase = img * P.O * OHW;
  let bk = tid % BK;
  var acc: array<array<f32, TN>, TM>;
  for (var k0 = 0u; k0 < K; k0 += BK) {
    for (var ak = tid / BM; ak < BK; ak += 256u / BM) {
      let k = k0 + ak;
      var v = 0.0;
      if (m < M && k < K) {
        let o = k / KK;
        let r = k % KK;
        let i = hi - i32(r / P.KW);
        let j = vj - i32(r % P.KW);
        if (i >= 0 && i < i32(P.OH) && j >= 0 && j < i32(P.OW)) { v = dy[dybase + o * OHW + u32(i) * P.OW + u32(j)]; }
      }
      As[ak * BM + am] = v;
    }
    // B[k, c] = w[o, c, p, q] with k = (o, p, q).
    let k = k0 + bk;
    let wrow = (k / KK) * P.C * KK + k % KK;
    for (var bn = tid / BK; bn < BN; bn += 256u / BK) {
      let c = n0 + bn;
      Bs[bk * BN + bn] = select(0.0, w[min(wrow + c * KK, P.O * P.C * KK - 1u)], c < P.C && k < K);
    }
    workgroupBarrier();
    mma(&acc, lid.x, lid.y);
    workgroupBarrier();
  }
  for (var j = 0u; j < TN; j++) {
    let c = n0 + lid.y + 16u * j;
    if (c >= P.C) { break; }
    for (var i = 0u; i < TM; i++) {
      let mm = m0 + lid.x + 16u * i;
      if (mm >= M) { break; }
      dx[((mm / HW) * P.C + c) * HW + mm % HW] = acc[i][j];
    }
  }
}

@compute @workgroup_size(16, 16)
fn conv_gemm_backward_weight(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let OHW = P.OH * P.OW;
  let KK = P.KH * P.KW;
  let NW = P.C * KK;        // GEMM N
  let K = P.N * OHW;        // GEMM K
  let m0 = wid.y * BM;      // output channels
  let n0 = wid.x * BN;      // (c, p, q)
  let kbeg = P.k0 + wid.z * P.chunk;
  let kend = min(K, kbeg + P.chunk);
  let tid = lid.y * 16u + lid.x;
  // A[o, k] = dy[n, o, i, j]: this thread loads k = ak for channels am0, am0 + 256/BK, …
  let ak = tid % BK;
  // B[k, (c,p,q)] = x[n, c, i+p-PH, j+q-PW]: this thread gathers column bn for k = bk0, bk0 + 256/BN, …
  let bn = tid % BN;
  let n = n0 + bn;
  let c = n / KK;
  let r = n % KK;
  let dp = i32(r / P.KW) - i32(P.PH);
  let dq = i32(r % P.KW) - i32(P.PW);
  var acc: array<array<f32, TN>, TM>;
  for (var k0 = kbeg; k0 < kend; k0 += BK) {
    let k = k0 + ak;
    let kin = k < kend;
    let dyrow = (k / OHW) * P.O * OHW + k % OHW;
    for (var am = tid / BK; am < BM; am += 256u / BK) {
      let o = m0 + am;
      As[ak * BM + am] = select(0.0, dy[min(dyrow + o * OHW, P.N * P.O * OHW - 1u)], kin && o < P.O);
    }
    for (var bk = tid / BN; bk < BK; bk += 256u / BN) {
      let kk = k0 + bk;
      var v = 0.0;
      if (kk < kend && n < NW) {
        let img = kk / OHW;
        let pix = kk % OHW;
        let h = i32(pix / P.OW) + dp;
        let u = i32(pix % P.OW) + dq;
        if (h >= 0 && h < i32(P.H) && u >= 0 && u < i32(P.W)) { v = xw[((img * P.C + c) * P.H + u32(h)) * P.W + u32(u)]; }
      }
      Bs[bk * BN + bn] = v;
    }
    workgroupBarrier();
    mma(&acc, lid.y, lid.x);
    workgroupBarrier();
  }
  let out0 = wid.z * P.O * NW;
  for (var i = 0u; i < TM; i++) {
    let o = m0 + lid.y + 16u * i;
    if (o >= P.O) { break; }
    for (var j = 0u; j < TN; j++) {
      let nn = n0 + lid.x + 16u * j;
      if (nn >= NW) { break; }
      var prev = 0.0;
      if (ACCUM) { prev = dw[out0 + o * NW + nn]; }
      dw[out0 + o * NW + nn] = prev + acc[i][j];
    }
  }
}
