import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/pool.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

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
  return rt.dispatch({
    kernel: kernel(code, 'maxpool_forward'),
    bind: { P: params(rt, d), x, y, arg },
    grid: grid1d(n),
    cost: { bytes: 4 * d.N * d.C * d.H * d.W + 8 * n, flops: d.K * d.K * n, serial: d.K * d.K },
  });
}

export function maxpoolBackward(rt: Runtime, d: PoolDims, dy: Binding, arg: Binding, dx: Binding): Call {
  const n = d.N * d.C * Math.floor(d.H / d.K) * Math.floor(d.W / d.K);
  return rt.dispatch({
    kernel: kernel(code, 'maxpool_backward'),
    bind: { P: params(rt, d), dy, arg_saved: arg, dx },
    grid: grid1d(d.N * d.C * d.H * d.W),
    cost: { bytes: 8 * n + 4 * d.N * d.C * d.H * d.W, flops: 0, serial: 1 },
  });
}

export function gapForward(rt: Runtime, d: Omit<PoolDims, 'K'>, x: Binding, y: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'gap_forward'),
    bind: { Q: rt.params({ u: [d.N, d.C, d.H, d.W] }), x, y },
    grid: grid1d(d.N * d.C),
    cost: { bytes: 4 * d.N * d.C * (d.H * d.W + 1), flops: d.N * d.C * d.H * d.W, serial: d.H * d.W },
  });
}

export function gapBackward(rt: Runtime, d: Omit<PoolDims, 'K'>, dy: Binding, dx: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'gap_backward'),
    bind: { Q: rt.params({ u: [d.N, d.C, d.H, d.W] }), dy, dx_gap: dx },
    grid: grid1d(d.N * d.C * d.H * d.W),
    cost: { bytes: 4 * d.N * d.C * (d.H * d.W + 1), flops: d.N * d.C * d.H * d.W, serial: 1 },
  });
}
