import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/pool.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';
import type { PoolWindow } from '../spec';

const code = common + source;

/** A max pool's shape: the input [N, C, H, W] and its window (PoolWindow: floor mode). */
export interface PoolDims extends PoolWindow {
  N: number;
  C: number;
  H: number;
  W: number;
}

export const poolOut = (d: Omit<PoolDims, 'N' | 'C'>) => ({
  OH: Math.floor((d.H + 2 * d.ph - d.kh) / d.sh) + 1,
  OW: Math.floor((d.W + 2 * d.pw - d.kw) / d.sw) + 1,
});

function params(rt: Runtime, d: PoolDims) {
  const { OH, OW } = poolOut(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, OH, OW, d.kh, d.kw, d.sh, d.sw, d.ph, d.pw] });
}

/** arg: u32 per output, the flat input index of the window's maximum. */
export function maxpoolForward(rt: Runtime, d: PoolDims, x: Binding, y: Binding, arg: Binding): Call {
  const { OH, OW } = poolOut(d);
  const n = d.N * d.C * OH * OW;
  return rt.dispatch({
    kernel: kernel(code, 'maxpool_forward'),
    bind: { P: params(rt, d), x, y, arg },
    grid: grid1d(n),
    cost: { bytes: 4 * d.N * d.C * d.H * d.W + 8 * n, flops: d.kh * d.kw * n, serial: d.kh * d.kw },
  });
}

export function maxpoolBackward(rt: Runtime, d: PoolDims, dy: Binding, arg: Binding, dx: Binding): Call {
  const { OH, OW } = poolOut(d);
  const n = d.N * d.C * OH * OW;
  const per = Math.ceil(d.kh / d.sh) * Math.ceil(d.kw / d.sw);
  return rt.dispatch({
    kernel: kernel(code, 'maxpool_backward'),
    bind: { P: params(rt, d), dy, arg_saved: arg, dx },
    grid: grid1d(d.N * d.C * d.H * d.W),
    cost: { bytes: 8 * n + 4 * d.N * d.C * d.H * d.W, flops: per * d.N * d.C * d.H * d.W, serial: per },
  });
}

export function gapForward(rt: Runtime, d: Pick<PoolDims, 'N' | 'C' | 'H' | 'W'>, x: Binding, y: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'gap_forward'),
    bind: { Q: rt.params({ u: [d.N, d.C, d.H, d.W] }), x, y },
    grid: grid1d(d.N * d.C),
    cost: { bytes: 4 * d.N * d.C * (d.H * d.W + 1), flops: d.N * d.C * d.H * d.W, serial: d.H * d.W },
  });
}

export function gapBackward(rt: Runtime, d: Pick<PoolDims, 'N' | 'C' | 'H' | 'W'>, dy: Binding, dx: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'gap_backward'),
    bind: { Q: rt.params({ u: [d.N, d.C, d.H, d.W] }), dy, dx_gap: dx },
    grid: grid1d(d.N * d.C * d.H * d.W),
    cost: { bytes: 4 * d.N * d.C * (d.H * d.W + 1), flops: d.N * d.C * d.H * d.W, serial: 1 },
  });
}
