import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/sgd.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

const code = common + source;

/** What the end of a step updates; all flat buffers of the model (see shaders/sgd.wgsl). */
export interface UpdateBuffers {
  params: Binding;
  grads: Binding;
  momenta: Binding;
  running: Binding;
  batchStats: Binding;
  bnMomentum: Binding;
  status: Binding;
  /** The step uniform: lr, momentum, the step's index. */
  step: Binding;
}

export interface UpdateSizes {
  /** Gradients to check. */
  n: number;
  /** Parameters to update with SGD (0: check only). */
  nUpdate: number;
  /** Running statistics to update (0: none). */
  nRunning: number;
  weightDecay: number;
}

/**
 * The end of a training step as two dispatches: update_check flags every value the step would make
 * non-finite (gradients, weights, momenta, running statistics), update_apply writes them unless
 * anything was flagged (the loss kernels flag too), keeping the state from before a bad step.
 */
export function updateStep(rt: Runtime, s: UpdateSizes, b: UpdateBuffers): Call[] {
  const p = rt.params({ u: [s.n, s.nUpdate, s.nRunning], f: [s.weightDecay] }, 'update params');
  const shared = { U: p, S: b.step, g: b.grads, batch_stats: b.batchStats, bn_momentum: b.bnMomentum, status: b.status };
  const grid = grid1d(Math.max(s.n, s.nUpdate, s.nRunning, 1));
  // One value per thread: reads g (+ w, v) and running/batch/momentum; apply also writes w, v, running.
  const check = { bytes: 4 * (s.n + 2 * s.nUpdate + 3 * s.nRunning), flops: 5 * s.nUpdate + 3 * s.nRunning, serial: 1 };
  const apply = { bytes: 4 * (s.n + 4 * s.nUpdate + 4 * s.nRunning), flops: 5 * s.nUpdate + 3 * s.nRunning, serial: 1 };
  return [
    rt.dispatch({ kernel: kernel(code, 'update_check'), bind: { ...shared, w_now: b.params, v_now: b.momenta, run_now: b.running }, grid, cost: check }),
    rt.dispatch({ kernel: kernel(code, 'update_apply'), bind: { ...shared, w: b.params, v: b.momenta, run_stats: b.running }, grid, cost: apply }),
  ];
}

/** For each [a, b, keep] (flat indices): grads[a] = grads[b] = (grads[a] + grads[b])·keep. */
export function tieGrads(rt: Runtime, pairs: Binding, count: number, grads: Binding): Call {
  return rt.dispatch({ kernel: kernel(code, 'tie_grads'), bind: { T: rt.params({ u: [count] }), pairs, tied: grads }, grid: [Math.ceil(count / 64)] });
}
