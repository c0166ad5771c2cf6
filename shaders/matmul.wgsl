// Linear layer: y = x·Wᵀ + b, dx = dy·W, dW = dyᵀ·x, db = Σ_rows dy.
// One tiled GEMM, C[M,N] = op(A)[M,K] · op(B)[K,N] (+ bias[N]), where the transposes are
// pipeline-override constants: forward is (A = x, B = W, TRANS_B), dx is (A = dy, B = W),
// dW is (A = dy, B = x, TRANS_A). Any M, N, K: out-of-range tile elements load as 0.
// matmul_large: 128×128 output tile per workgroup of 16×16 threads, 8×8 outputs per thread, K in
// steps of 8 through workgroup memory (16 shared loads per 64 FMAs), for M, N ≥ 128.
// matmul (v1, tiled): 64×64 output tile, 4×4 outputs per thread, K in steps of 16.
// matmul_small: one thread per output, no workgroup memory and no barriers, for matrices too
// small to fill a tile (the toy network, Linear heads).

override TRANS_A: bool = false;  // A stored as [K, M] rather than [M, K]
override TRANS_B: bool = false;  // B stored as [N, K] rather than [K, N]
override HAS_BIAS: bool = false;

struct Params { M: u32, N: u32, K: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

const TM = 64u;
const TN = 64u;
const TK = 16u;

var<workgroup> As: array<f32, 1024>;  // [TK][TM]
var<workgroup> Bs: array<f32, 1024>;  // [TK][TN]

fn load_a(m: u32, k: u32) -> f32 {
  if (m >= P.M || k >= P.K) { return 0.0; }
  if (TRANS_A) { return A[k * P.M + m]; }
  return A[m * P.K + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  if (k >= P.K || n >= P.N) { return 0.0; }
  if (TRANS_B) { return B[n * P.K + k]; }
  return B[k * P.N + n];
}

@compute @workgroup_size(16, 16)
fn matmul(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < P.K; k0 += TK) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      // Pick the element order that makes neighbouring threads read neighbouring addresses.
      if (TRANS_A) {
        let am = e % TM; let ak = e / TM;
        As[ak * TM + am] = load_a(row0 + am, k0 + ak);
      } else {
        let am = e / TK; let ak = e % TK;
        As[ak * TM + am] = load_a(row0 + am, k0 + ak);
      }
      if (TRANS_B) {
        let bn = e / TK; let bk = e % TK;
        Bs[bk * TN + bn] = load_b(k0 + bk, col0 + bn);
      } else {
        let bn = e % TN; let bk = e / TN;
        Bs[bk * TN + bn] = load_b(k0 + bk, col0 + bn);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[k * TM + lid.y * 4u + i]; }
      for (var j = 0u; j < 4u; j++) { b[j] = Bs[k * TN + lid.x * 4u + j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= P.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n >= P.N) { continue; }
      var v = acc[i][j];
      if (HAS_BIAS) { v += bias[n]; }
      C[m * P.N + n] = v;
    }
  }
}

@compute @workgroup_size(64)
fn matmul_small(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let t = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (t >= P.M * P.N) { return; }
  let m = t / P.N;
  let n = t % P.N;
  var acc = 0.0;
  for (var k = 0u; k < P.K; k++) { acc = fma(load_a(m, k), load_b(k, n), acc); }
  if (HAS_BIAS) { acc += bias[n]; }
  C[t] = acc;
}

const LM = 128u;
const LN = 128u;
const LK = 8u;

var<workgroup> Al: array<f32, 1024>;  // [LK][LM]
var<workgroup> Bl: array<f32, 1024>;  // [LK][LN]

@compute @workgroup_size(16, 16)
fn matmul_large(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row0 = wid.y * LM;
  let col0 = wid.x * LN;
  let tid = lid.y * 16u + lid.x;
  var acc: array<array<f32, 8>, 8>;
  for (var k0 = 0u; k0 < P.K; k0 += LK) {
    for (var r = 0u; r < 4u; r++) {
      let e = tid + r * 256u;
      // Neighbouring threads read neighbouring addresses whichever way A and B are stored.
      if (TRANS_A) {
        let am = e % LM; let ak = e / LM;
        Al[ak * LM + am] = load_a(row0 + am, k0 + ak);
      } else {
        let am = e / LK; let ak = e % LK;
        Al[ak * LM + am] = load_a(row0 + am, k0 + ak);
      }
      if (TRANS_B) {
        let bn = e / LK; let bk = e % LK;
        Bl[bk * LN + bn] = load_b(k0 + bk, col0 + bn);
      } else {
        let bn = e % LN; let bk = e / LN;
        Bl[bk * LN + bn] = load_b(k0 + bk, col0 + bn);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < LK; k++) {
      var a: array<f32, 8>;
      var b: array<f32, 8>;
      for (var i = 0u; i < 8u; i++) { a[i] = Al[k * LM + lid.y * 8u + i]; }
      for (var j = 0u; j < 8u; j++) { b[j] = Bl[k * LN + lid.x * 8u + j]; }
      for (var i = 0u; i < 8u; i++) {
        for (var j = 0u; j < 8u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 8u; i++) {
    let m = row0 + lid.y * 8u + i;
    if (m >= P.M) { break; }
    for (var j = 0u; j < 8u; j++) {
      let n = col0 + lid.x * 8u + j;
      if (n >= P.N) { break; }
      var v = acc[i][j];
      if (HAS_BIAS) { v += bias[n]; }
      C[m * P.N + n] = v;
    }
  }
}

// db[n] = Σ_m dy[m, n]: one thread per column (columns are few, rows are the batch).
struct ColumnSumParams { M: u32, N: u32 }
@group(0) @binding(0) var<uniform> CP: ColumnSumParams;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> db: array<f32>;

@compute @workgroup_size(64)
fn column_sum(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= CP.N) { return; }
  var s = 0.0;
  for (var m = 0u; m < CP.M; m++) { s += dy[m * CP.N + n]; }
  db[n] = s;
}
