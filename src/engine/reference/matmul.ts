// float64 reference for Linear: y = x·Wᵀ + b; dx = dy·W; dW = dyᵀ·x; db = Σ_rows dy.
type A = ArrayLike<number>;

/** x [M,K], w [N,K], b [N] or null → y [M,N]. */
export function linearForward(x: A, w: A, b: A | null, M: number, N: number, K: number): Float64Array {
  const y = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = b ? b[n] : 0;
      for (let k = 0; k < K; k++) s += x[m * K + k] * w[n * K + k];
      y[m * N + n] = s;
    }
  return y;
}

export function linearBackward(x: A, w: A, dy: A, M: number, N: number, K: number) {
  const dx = new Float64Array(M * K);
  const dw = new Float64Array(N * K);
  const db = new Float64Array(N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      const g = dy[m * N + n];
      db[n] += g;
      for (let k = 0; k < K; k++) {
        dx[m * K + k] += g * w[n * K + k];
        dw[n * K + k] += g * x[m * K + k];
      }
    }
  return { dx, dw, db };
}

/** Plain C[M,N] = A[M,K]·B[K,N], for the kernel tests of the generic GEMM. */
export function matmulRef(a: A, b: A, M: number, N: number, K: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let k = 0; k < K; k++) {
      const v = a[m * K + k];
      for (let n = 0; n < N; n++) c[m * N + n] += v * b[k * N + n];
    }
  return c;
}
