import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/pool.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';

const code = common + source;

export interface PoolDims {
  N: number;
  C: number;
  H: number;
  W: number;
  K: number;
}

function params(rt: Runtime, d: PoolDims) {
  return rt.params({ u: [d.N, d.C, d.H, d.W, Math.floor(d.H / d.K), Math.floor(d.W / d.K), d.K] });
}

/** arg: u32 per output, the flat input index of the window's maximum. */
export function maxpoolForward(rt: Runtime, d: PoolDims, x: Binding, y: Binding, arg: Binding): Call {
  const n = d.N * d.C * Math.floor(d.H / d.K) * Math.floor(d.W / d.K);
  return rt.call('maxpool_forward', code, 'maxpool_forward', [params(rt, d), x, y, arg], grid1d(n), undefined, {
    bytes: 4 * d.N * d.C * d.H * d.W + 8 * n,
    flops: d.K * d.K * n,
    serial: d.K * d.K,
  });
}

export function maxpoolBackward(rt: Runtime, d: PoolDims, dy: Binding, arg: Binding, dx: Binding): Call {
  const n = d.N * d.C * Math.floor(d.H / d.K) * Math.floor(d.W / d.K);
  return rt.call('maxpool_backward', code, 'maxpool_backward', [params(rt, d), dy, arg, dx], grid1d(d.N * d.C * d.H * d.W), undefined, {
    bytes: 8 * n + 4 * d.N * d.C * d.H * d.W,
    flops: 0,
    serial: 1,
  });
}

export function gapForward(rt: Runtime, d: Omit<PoolDims, 'K'>, x: Binding, y: Binding): Call {
  return rt.call('gap_forward', code, 'gap_forward', [rt.params({ u: [d.N, d.C, d.H, d.W] }), x, y], grid1d(d.N * d.C), undefined, {
    bytes: 4 * d.N * d.C * (d.H * d.W + 1),
    flops: d.N * d.C * d.H * d.W,
    serial: d.H * d.W,
  });
}

export function gapBackward(rt: Runtime, d: Omit<PoolDims, 'K'>, dy: Binding, dx: Binding): Call {
  return rt.call('gap_backward', code, 'gap_backward', [rt.params({ u: [d.N, d.C, d.H, d.W] }), dy, dx], grid1d(d.N * d.C * d.H * d.W), undefined, {
    bytes: 4 * d.N * d.C * (d.H * d.W + 1),
    flops: d.N * d.C * d.H * d.W,
    serial: 1,
  });
}

export const poolKernels: KernelRef[] = ['maxpool_forward', 'maxpool_backward', 'gap_forward', 'gap_backward'].map((entry) => ({
  code,
  entry,
}));
