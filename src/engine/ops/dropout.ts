import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/dropout.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

const code = common + source;

/**
 * y = x·mask/(1 - p) (forward), dx = dy·mask/(1 - p) (backward): the same map, so one kernel.
 * The mask comes from the step uniform's seed and the layer index (see reference/dropout.ts).
 */
export function dropoutApply(rt: Runtime, label: string, n: number, layer: number, p: number, step: Binding, src: Binding, dst: Binding): Call {
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  return rt.dispatch({
    kernel: kernel(code, 'dropout_apply'),
    bind: { P: rt.params({ u: [n, layer], f: [p, scale] }), S: step, src, dst },
    grid: grid1d(n),
    cost: { bytes: 8 * n, flops: 2 * n, serial: 1 },
    label,
  });
}
