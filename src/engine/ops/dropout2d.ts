import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/dropout2d.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

const code = common + source;

/**
 * Dropout2d over n values in channels of hw values: y = x·keep[channel]/(1 − p) forward, the same
 * map of dy backward (one kernel). The mask comes from the step seed and the layer index.
 */
export function dropout2dApply(rt: Runtime, label: string, n: number, hw: number, layer: number, p: number, step: Binding, src: Binding, dst: Binding): Call {
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  return rt.dispatch({
    kernel: kernel(code, 'dropout2d_apply'),
    bind: { Q: rt.params({ u: [n, layer, hw], f: [p, scale] }), S: step, src, dst },
    grid: grid1d(n),
    cost: { bytes: 8 * n, flops: 2 * n, serial: 1 },
    label,
  });
}
