import code from '../../../shaders/matmul.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';

/**
 * C[M,N] = op(A)·op(B) (+ bias). transA: A is stored [K, M]; transB: B is stored [N, K].
 * Linear uses it three ways: y = x·Wᵀ + b (transB), dx = dy·W, dW = dyᵀ·x (transA).
 */
export function matmul(
  rt: Runtime,
  label: string,
  dims: { M: number; N: number; K: number },
  a: Binding,
  b: Binding,
  c: Binding,
  opts: { transA?: boolean; transB?: boolean; bias?: Binding; kernel?: 'large' | 'tiled' | 'small' } = {},
): Call {
  const { M, N, K } = dims;
  const constants = {
    TRANS_A: opts.transA ? 1 : 0,
    TRANS_B: opts.transB ? 1 : 0,
    HAS_BIAS: opts.bias ? 1 : 0,
  };
  const bindings = [rt.params({ u: [M, N, K] }), a, b, c, opts.bias ?? rt.dummy];
  const cost = { bytes: 4 * (M * K + K * N + M * N + (opts.bias ? N : 0)), flops: 2 * M * N * K, serial: K };
  // A tile is mostly padding when the matrix is much smaller: one thread per output is faster then.
  const kernel = opts.kernel ?? (M >= 128 && N >= 128 && K >= 8 ? 'large' : M >= 32 && N >= 32 && K >= 16 ? 'tiled' : 'small');
  if (kernel === 'small') return rt.call(label, code, 'matmul_small', bindings, grid1d(M * N, 64), constants, cost);
  if (kernel === 'large') return rt.call(label, code, 'matmul_large', bindings, [Math.ceil(N / 128), Math.ceil(M / 128)], constants, cost);
  return rt.call(label, code, 'matmul', bindings, [Math.ceil(N / 64), Math.ceil(M / 64)], constants, cost);
}

/** out[n] = Σ_m x[m, n] for x of shape [M, N] (the bias gradient of Linear). */
export function columnSum(rt: Runtime, label: string, M: number, N: number, x: Binding, out: Binding): Call {
  return rt.call(label, code, 'column_sum', [rt.params({ u: [M, N] }), x, out], [Math.ceil(N / 64)], undefined, {
    bytes: 4 * (M * N + N),
    flops: M * N,
    serial: M,
  });
}

const variants = [
  { TRANS_A: 0, TRANS_B: 1, HAS_BIAS: 1 },
  { TRANS_A: 0, TRANS_B: 1, HAS_BIAS: 0 },
  { TRANS_A: 0, TRANS_B: 0, HAS_BIAS: 0 },
  { TRANS_A: 1, TRANS_B: 0, HAS_BIAS: 0 },
];
export const matmulKernels: KernelRef[] = [
  ...variants.flatMap((constants) => ['matmul_large', 'matmul', 'matmul_small'].map((entry) => ({ code, entry, constants }))),
  { code, entry: 'column_sum' },
];
