import code from '../../../shaders/batchnorm.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';

export interface BnDims {
  N: number;
  C: number;
  HW: number;
  eps: number;
}

function params(rt: Runtime, d: BnDims) {
  return rt.params({ u: [d.N, d.C, d.HW], f: [d.eps] });
}

/** saved ← [mean, invstd] per channel; batchStats ← [mean, unbiased var] per channel. */
export function bnForwardTrain(
  rt: Runtime, d: BnDims, x: Binding, gamma: Binding, beta: Binding, y: Binding, saved: Binding, batchStats: Binding,
): Call {
  return rt.call('bn_forward_train', code, 'bn_forward_train', [params(rt, d), x, gamma, beta, y, saved, batchStats], [d.C]);
}

/** running = [mean.., var..] per channel. */
export function bnForwardEval(rt: Runtime, d: BnDims, x: Binding, gamma: Binding, beta: Binding, y: Binding, running: Binding): Call {
  return rt.call('bn_forward_eval', code, 'bn_forward_eval', [params(rt, d), x, gamma, beta, y, running], grid1d(d.N * d.C * d.HW));
}

/** stats = saved [mean, invstd] (train) or running [mean, var] (eval). dx may be null (first layer). */
export function bnBackward(
  rt: Runtime, d: BnDims, train: boolean, x: Binding, gamma: Binding, dy: Binding, dx: Binding | null,
  stats: Binding, dgamma: Binding, dbeta: Binding,
): Call {
  return rt.call('bn_backward', code, 'bn_backward', [params(rt, d), x, gamma, dy, dx ?? rt.dummy, stats, dgamma, dbeta], [d.C], {
    TRAIN: train ? 1 : 0,
    HAS_DX: dx ? 1 : 0,
  });
}

/** running = (1 - m)·running + m·batch, elementwise over n values, unless status flags a bad step. */
export function bnRunningUpdate(rt: Runtime, n: number, batch: Binding, momentum: Binding, running: Binding, status: Binding): Call {
  return rt.call('bn_running_update', code, 'bn_running_update', [rt.params({ u: [n, 0, 0] }), batch, momentum, running, status], grid1d(n));
}

export const batchnormKernels: KernelRef[] = [
  { code, entry: 'bn_forward_train' },
  { code, entry: 'bn_forward_eval' },
  ...[0, 1].flatMap((t) => [0, 1].map((dx) => ({ code, entry: 'bn_backward', constants: { TRAIN: t, HAS_DX: dx } }))),
  { code, entry: 'bn_running_update' },
];
