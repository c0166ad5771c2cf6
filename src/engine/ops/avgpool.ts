import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/avgpool.wgsl?raw';
import { kernel } from '../kernel';
import { poolOut, type PoolDims } from './pool';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

const code = common + source;

export interface AvgPoolDims extends PoolDims {
  /** PyTorch's count_include_pad: divide by kh·kw even where the window hangs over the padding. */
  includePad: boolean;
}

/** Output rows and columns: the max pool's (same window rules). */
export const avgpoolOut = poolOut;

function params(rt: Runtime, d: AvgPoolDims): GPUBuffer {
  const { OH, OW } = avgpoolOut(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, OH, OW, d.kh, d.kw, d.sh, d.sw, d.ph, d.pw, d.includePad ? 1 : 0] });
}

export function avgpoolForward(rt: Runtime, d: AvgPoolDims, x: Binding, y: Binding): Call {
  const { OH, OW } = avgpoolOut(d);
  const n = d.N * d.C * OH * OW;
  return rt.dispatch({
    kernel: kernel(code, 'avgpool_forward'),
    bind: { A: params(rt, d), x, y },
    grid: grid1d(n),
    cost: { bytes: 4 * (d.N * d.C * d.H * d.W + n), flops: d.kh * d.kw * n, serial: d.kh * d.kw },
  });
}

export function avgpoolBackward(rt: Runtime, d: AvgPoolDims, dy: Binding, dx: Binding): Call {
  const { OH, OW } = avgpoolOut(d);
  const n = d.N * d.C * d.H * d.W;
  const per = Math.ceil(d.kh / d.sh) * Math.ceil(d.kw / d.sw);
  return rt.dispatch({
    kernel: kernel(code, 'avgpool_backward'),
    bind: { A: params(rt, d), dy, dx },
    grid: grid1d(n),
    cost: { bytes: 4 * (d.N * d.C * OH * OW + n), flops: 2 * per * n, serial: per },
  });
}
