import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/sgd.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';

const code = common + source;

/** status[0] ← min index of a non-finite gradient (status must start at [0xffffffff, 0, ...]). */
export function findNonfinite(rt: Runtime, n: number, grads: Binding, status: Binding): Call {
  return rt.call('find_nonfinite', code, 'find_nonfinite', [rt.params({ u: [n] }), grads, status], grid1d(n));
}

/** PyTorch SGD over n flat values; lr and momentum come from the step uniform (schedulers). */
export function sgdStep(rt: Runtime, n: number, weightDecay: number, step: Binding, w: Binding, g: Binding, v: Binding, status: Binding): Call {
  return rt.call('sgd_step', code, 'sgd_step', [rt.params({ u: [n], f: [weightDecay] }), step, w, g, v, status], grid1d(n));
}

/** For each [a, b, keep] (flat indices): grads[a] = grads[b] = (grads[a] + grads[b])·keep. */
export function tieGrads(rt: Runtime, pairs: Binding, count: number, grads: Binding): Call {
  return rt.call('tie_grads', code, 'tie_grads', [rt.params({ u: [count] }), pairs, grads], [Math.ceil(count / 64)]);
}

export const sgdKernels: KernelRef[] = [
  { code, entry: 'find_nonfinite' },
  { code, entry: 'sgd_step' },
  { code, entry: 'tie_grads' },
];
