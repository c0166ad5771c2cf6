import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/activation.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Call, type Runtime } from '../runtime';
import { numel, type Tensor } from '../tensor';

const code = common + source;

export type Activation = 'relu' | 'sigmoid';

export function activationForward(rt: Runtime, kind: Activation, x: Tensor, y: Tensor): Call {
  const n = numel(x.shape);
  return rt.dispatch({
    kernel: kernel(code, `${kind}_forward`),
    bind: { P: rt.params({ u: [n] }), x: x.buf, y: y.buf },
    grid: grid1d(n),
    cost: { bytes: 8 * n, flops: (kind === 'relu' ? 1 : 4) * n, serial: 1 },
  });
}

/** dx from dy and the forward output y. */
export function activationBackward(rt: Runtime, kind: Activation, y: Tensor, dy: Tensor, dx: Tensor): Call {
  const n = numel(y.shape);
  return rt.dispatch({
    kernel: kernel(code, `${kind}_backward`),
    bind: { P: rt.params({ u: [n] }), y_saved: y.buf, dy: dy.buf, dx: dx.buf },
    grid: grid1d(n),
    cost: { bytes: 12 * n, flops: (kind === 'relu' ? 1 : 3) * n, serial: 1 },
  });
}
