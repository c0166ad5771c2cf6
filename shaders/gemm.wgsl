// Tiled GEMM for Linear, with split-K:
//   C[M,N] = op(A)[M,K] · op(B)[K,N] (+ bias[N])
//   forward  y  = x·Wᵀ + b   (A = x [M,K], B = W stored [N,K]: TRANS_B)
//   dx       dx = dy·W       (A = dy [M,N_out], B = W [N_out,K])
//   dW       dW = dyᵀ·x      (A = dy stored [K,M]: TRANS_A, B = x)
// gemm: a workgroup of 16×16 threads computes a BM×BN tile of C (BM = 16·TM, BN = 16·TN); each
//   thread a TM×TN register block, rows ly + 16·i and columns lx + 16·j, so neighbouring threads
//   read neighbouring words of the staged tiles and write neighbouring words of C. K goes in
//   steps of BK through workgroup memory ((BM + BN)·BK floats: 4 KiB at 64×64×8).
//   Split-K: workgroup z = s sums only k in [s·chunk, min(K, (s+1)·chunk)) and writes its
//   partial product to C[s·M·N + …] (no bias); gemm_sum then adds the S partials (and the bias)
//   in a fixed order: deterministic, no atomics.
// Any M, N, K: elements outside the matrices load as 0 and are never stored.

override TRANS_A: bool = false;  // A stored as [K, M] rather than [M, K]
override TRANS_B: bool = false;  // B stored as [N, K] rather than [K, N]
override HAS_BIAS: bool = false;

// Tile shape (kernel variants set these: kernel(src, 'gemm', {TM: 2, …})).
const TM = 4u;  // rows of C per thread
const TN = 4u;  // columns of C per thread
const BK = 8u;  // k per staged tile
const BM = 16u * TM;
const BN = 16u * TN;

struct Params { M: u32, N: u32, K: u32, chunk: u32 }

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;

var<workgroup> As: array<f32, BK * BM>;  // [BK][BM]
var<workgroup> Bs: array<f32, BK * BN>;  // [BK][BN]

fn load_a(m: u32, k: u32, kend: u32) -> f32 {
  if (m >= P.M || k >= kend) { return 0.0; }
  if (TRANS_A) { return A[k * P.M + m]; }
  return A[m * P.K + k];
}

fn load_b(k: u32, n: u32, kend: u32) -> f32 {
  if (k >= kend || n >= P.N) { return 0.0; }
  if (TRANS_B) { return B[n * P.K + k]; }
  return B[k * P.N + n];
}

@compute @workgroup_size(16, 16)
fn gemm(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let m0 = wid.y * BM;
  let n0 = wid.x * BN;
  let tid = lid.y * 16u + lid.x;
  let kbeg = wid.z * P.chunk;
  let kend = min(P.K, kbeg + P.chunk);
  var acc: array<array<f32, TN>, TM>;
  for (var k0 = kbeg; k0 < kend; k0 += BK) {
    // Stage the tiles; neighbouring threads read neighbouring addresses whichever way A and B are stored.
    for (var e = tid; e < BM * BK; e += 256u) {
      if (TRANS_A) {
        let am = e % BM; let ak = e / BM;
        As[ak * BM + am] = load_a(m0 + am, k0 + ak, kend);
      } else {
        let am = e / BK; let ak = e % BK;
        As[ak * BM + am] = load_a(m0 + am, k0 + ak, kend);
      }
    }
    for (var e = tid; e < BN * BK; e += 256u) {
      if (TRANS_B) {
        let bn = e / BK; let bk = e % BK;
        Bs[bk * BN + bn] = load_b(k0 + bk, n0 + bn, kend);
      } else {
        let bn = e % BN; let bk = e / BN;
        Bs[bk * BN + bn] = load_b(k0 + bk, n0 + bn, kend);
      }
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var a: array<f32, TM>;
      var b: array<f32, TN>;
      for (var i = 0u; i < TM; i++) { a[i] = As[k * BM + lid.y + 16u * i]; }
      for (var j = 0u; j < TN; j++) { b[j] = Bs[k * BN + lid.x + 16u * j]; }
      for (var i = 0u; i < TM; i++) {
        for (var j = 0u; j < TN; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  let out0 = wid.z * P.M * P.N;
  for (var i = 0u; i < TM; i++) {
    let m = m0 + lid.y + 16u * i;
    if (m >= P.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let n = n0 + lid.x + 16u * j;
      if (n >= P.N) { break; }
      var v = acc[i][j];
      if (HAS_BIAS) { v += bias[n]; }
      C[out0 + m * P.N + n] = v;
    }
  }
}

// gemm_sum: out[e] = Σ_{s<S} part[s·count + e] (+ bias[e % N]), s in increasing order.
struct SumParams { count: u32, S: u32, N: u32 }
@group(0) @binding(0) var<uniform> SP: SumParams;
@group(0) @binding(1) var<storage, read> part: array<f32>;

@compute @workgroup_size(256)
fn gemm_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let e = (wid.y * nwg.x + wid.x) * 256u + lid;
  if (e >= SP.count) { return; }
  var v = 0.0;
  for (var s = 0u; s < SP.S; s++) { v += part[s * SP.count + e]; }
  if (HAS_BIAS) { v += bias[e % SP.N]; }
  C[e] = v;
}
