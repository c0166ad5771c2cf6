import code from '../../../shaders/matmul.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

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
  const bind = { P: rt.params({ u: [M, N, K] }), A: a, B: b, C: c, bias: opts.bias ?? rt.dummy };
  const cost = { bytes: 4 * (M * K + K * N + M * N + (opts.bias ? N : 0)), flops: 2 * M * N * K, serial: K };
  // A tile is mostly padding when the matrix is much smaller: one thread per output is faster then.
  const which = opts.kernel ?? (M >= 128 && N >= 128 && K >= 8 ? 'large' : M >= 32 && N >= 32 && K >= 16 ? 'tiled' : 'small');
  const [entry, grid]: [string, [number, number?, number?]] =
    which === 'small'
      ? ['matmul_small', grid1d(M * N, 64)]
      : which === 'large'
        ? ['matmul_large', [Math.ceil(N / 128), Math.ceil(M / 128)]]
        : ['matmul', [Math.ceil(N / 64), Math.ceil(M / 64)]];
  return rt.dispatch({ kernel: kernel(code, entry), bind, grid, constants, cost, label });
}

/** out[n] = Σ_m x[m, n] for x of shape [M, N] (the bias gradient of Linear). */
export function columnSum(rt: Runtime, label: string, M: number, N: number, x: Binding, out: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'column_sum'),
    bind: { CP: rt.params({ u: [M, N] }), dy: x, db: out },
    grid: [Math.ceil(N / 64)],
    cost: { bytes: 4 * (M * N + N), flops: M * N, serial: M },
    label,
  });
}
