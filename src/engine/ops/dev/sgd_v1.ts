// Update v1 (a gradient-only finite check, then SGD as its own dispatch), kept to measure
// update_check/update_apply against.
import common from '../../../../shaders/common.wgsl?raw';
import source from '../../../../shaders/dev/sgd_v1.wgsl?raw';
import { kernel } from '../../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../../runtime';

const code = common + source;

/** status[0] ← min index of a non-finite gradient (status must start at [0xffffffff, 0, ...]). */
export function findNonfiniteV1(rt: Runtime, n: number, grads: Binding, status: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'find_nonfinite'),
    bind: { P: rt.params({ u: [n] }), grads, status },
    grid: grid1d(n),
    label: 'find_nonfinite v1',
  });
}

/** PyTorch SGD over n flat values; lr and momentum come from the step uniform (schedulers). */
export function sgdStepV1(rt: Runtime, n: number, weightDecay: number, step: Binding, w: Binding, g: Binding, v: Binding, status: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'sgd_step'),
    bind: { P: rt.params({ u: [n], f: [weightDecay] }), S: step, w, g, v, status_now: status },
    grid: grid1d(n),
    label: 'sgd_step v1',
  });
}

/** running = (1 - m)·running + m·batch over n values, unless status flags a bad step. */
export function bnRunningUpdateV1(rt: Runtime, n: number, batch: Binding, momentum: Binding, running: Binding, status: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'bn_running_update'),
    bind: { R: rt.params({ u: [n] }), batch, momentum, run_stats: running, run_status: status },
    grid: grid1d(n),
    label: 'bn_running_update v1',
  });
}
