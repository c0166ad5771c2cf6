// batchnorm v1 (one workgroup per channel), kept to measure the split reductions of v2 against.
import code from '../../../../shaders/dev/batchnorm_v1.wgsl?raw';
import type { Binding, Call, Runtime } from '../../runtime';
import type { BnDims } from '../batchnorm';

function params(rt: Runtime, d: BnDims) {
  return rt.params({ u: [d.N, d.C, d.HW], f: [d.eps] });
}

export function bnForwardTrainV1(rt: Runtime, d: BnDims, x: Binding, gamma: Binding, beta: Binding, y: Binding, saved: Binding, batchStats: Binding): Call {
  return rt.call('bn_forward_train v1', code, 'bn_forward_train', [params(rt, d), x, gamma, beta, y, saved, batchStats], [d.C]);
}

export function bnBackwardV1(
  rt: Runtime,
  d: BnDims,
  x: Binding,
  gamma: Binding,
  dy: Binding,
  dx: Binding,
  saved: Binding,
  dgamma: Binding,
  dbeta: Binding,
): Call {
  return rt.call('bn_backward v1', code, 'bn_backward', [params(rt, d), x, gamma, dy, dx, saved, dgamma, dbeta], [d.C], { TRAIN: 1, HAS_DX: 1 });
}
