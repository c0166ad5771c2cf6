import code from '../../../shaders/matmul.wgsl?raw';
import type { Binding, Call, KernelRef, Runtime } from '../runtime';

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
  opts: { transA?: boolean; transB?: boolean; bias?: Binding } = {},
): Call {
  const { M, N, K } = dims;
  const constants = {
    TRANS_A: opts.transA ? 1 : 0,
    TRANS_B: opts.transB ? 1 : 0,
    HAS_BIAS: opts.bias ? 1 : 0,
  };
  return rt.call(
    label,
    code,
    'matmul',
    [rt.params({ u: [M, N, K] }), a, b, c, opts.bias ?? rt.dummy],
    [Math.ceil(N / 64), Math.ceil(M / 64)],
    constants,
  );
}

/** out[n] = Σ_m x[m, n] for x of shape [M, N] (the bias gradient of Linear). */
export function columnSum(rt: Runtime, label: string, M: number, N: number, x: Binding, out: Binding): Call {
  return rt.call(label, code, 'column_sum', [rt.params({ u: [M, N, 0] }), x, out], [Math.ceil(N / 64)]);
}

export const matmulKernels: KernelRef[] = [
  { code, entry: 'matmul', constants: { TRANS_A: 0, TRANS_B: 1, HAS_BIAS: 1 } },
  { code, entry: 'matmul', constants: { TRANS_A: 0, TRANS_B: 1, HAS_BIAS: 0 } },
  { code, entry: 'matmul', constants: { TRANS_A: 0, TRANS_B: 0, HAS_BIAS: 0 } },
  { code, entry: 'matmul', constants: { TRANS_A: 1, TRANS_B: 0, HAS_BIAS: 0 } },
  { code, entry: 'column_sum' },
];
