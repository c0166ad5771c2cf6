// batchnorm v1 (one workgroup per channel), kept to measure the split reductions of v2 against.
import code from '../../../../shaders/dev/batchnorm_v1.wgsl?raw';
import { kernel } from '../../kernel';
import type { Binding, Call, Runtime } from '../../runtime';
import type { BnDims } from '../batchnorm';

function params(rt: Runtime, d: BnDims) {
  return rt.params({ u: [d.N, d.C, d.HW], f: [d.eps] });
}

export function bnForwardTrainV1(rt: Runtime, d: BnDims, x: Binding, gamma: Binding, beta: Binding, y: Binding, saved: Binding, batchStats: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'bn_forward_train'),
    bind: { P: params(rt, d), x, gamma, beta, y, saved, batch_stats: batchStats },
    grid: [d.C],
    label: 'bn_forward_train v1',
  });
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
  return rt.dispatch({
    kernel: kernel(code, 'bn_backward'),
    bind: { P: params(rt, d), x, gamma, dy, dx, stats: saved, dgamma, dbeta },
    grid: [d.C],
    constants: { TRAIN: 1, HAS_DX: 1 },
    label: 'bn_backward v1',
  });
}
