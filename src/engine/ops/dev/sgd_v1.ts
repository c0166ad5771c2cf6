// Update v1 (a gradient-only finite check, then SGD as its own dispatch), kept to measure
// update_check/update_apply against.
import common from '../../../../shaders/common.wgsl?raw';
import source from '../../../../shaders/dev/sgd_v1.wgsl?raw';
import { grid1d, type Binding, type Call, type Runtime } from '../../runtime';

const code = common + source;

/** status[0] ← min index of a non-finite gradient (status must start at [0xffffffff, 0, ...]). */
export function findNonfiniteV1(rt: Runtime, n: number, grads: Binding, status: Binding): Call {
  return rt.call('find_nonfinite v1', code, 'find_nonfinite', [rt.params({ u: [n] }), grads, status], grid1d(n));
}

/** PyTorch SGD over n flat values; lr and momentum come from the step uniform (schedulers). */
export function sgdStepV1(rt: Runtime, n: number, weightDecay: number, step: Binding, w: Binding, g: Binding, v: Binding, status: Binding): Call {
  return rt.call('sgd_step v1', code, 'sgd_step', [rt.params({ u: [n], f: [weightDecay] }), step, w, g, v, status], grid1d(n));
}

/** running = (1 - m)·running + m·batch over n values, unless status flags a bad step. */
export function bnRunningUpdateV1(rt: Runtime, n: number, batch: Binding, momentum: Binding, running: Binding, status: Binding): Call {
  return rt.call('bn_running_update v1', code, 'bn_running_update', [rt.params({ u: [n] }), batch, momentum, running, status], grid1d(n));
}
