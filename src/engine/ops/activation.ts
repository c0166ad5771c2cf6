import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/activation.wgsl?raw';
import { grid1d, type Call, type KernelRef, type Runtime } from '../runtime';
import { numel, type Tensor } from '../tensor';

const code = common + source;

export type Activation = 'relu' | 'sigmoid';

export function activationForward(rt: Runtime, kind: Activation, x: Tensor, y: Tensor): Call {
  const n = numel(x.shape);
  return rt.call(`${kind}_forward`, code, `${kind}_forward`, [rt.params({ u: [n] }), x.buf, y.buf], grid1d(n), undefined, {
    bytes: 8 * n,
    flops: (kind === 'relu' ? 1 : 4) * n,
    serial: 1,
  });
}

/** dx from dy and the forward output y. */
export function activationBackward(rt: Runtime, kind: Activation, y: Tensor, dy: Tensor, dx: Tensor): Call {
  const n = numel(y.shape);
  return rt.call(`${kind}_backward`, code, `${kind}_backward`, [rt.params({ u: [n] }), y.buf, dy.buf, dx.buf], grid1d(n), undefined, {
    bytes: 12 * n,
    flops: (kind === 'relu' ? 1 : 3) * n,
    serial: 1,
  });
}

export const activationKernels: KernelRef[] = ['relu_forward', 'relu_backward', 'sigmoid_forward', 'sigmoid_backward'].map((entry) => ({ code, entry }));
