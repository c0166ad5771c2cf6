import code from '../../../shaders/conv2d.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';

export interface ConvDims {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  PH: number;
  PW: number;
}

export function convOutSize(d: ConvDims): { OH: number; OW: number } {
  return { OH: d.H + 2 * d.PH - d.KH + 1, OW: d.W + 2 * d.PW - d.KW + 1 };
}

function params(rt: Runtime, d: ConvDims) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW] });
}

export function conv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding): Call {
  const { OH, OW } = convOutSize(d);
  return rt.call('conv2d_forward', code, 'conv2d_forward', [params(rt, d), x, w, y, b ?? rt.dummy], grid1d(d.N * d.O * OH * OW), {
    HAS_BIAS: b ? 1 : 0,
  });
}

export function conv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding): Call {
  return rt.call('conv2d_backward_input', code, 'conv2d_backward_input', [params(rt, d), dy, w, dx], grid1d(d.N * d.C * d.H * d.W));
}

export function conv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding): Call {
  const count = d.O * d.C * d.KH * d.KW;
  return rt.call('conv2d_backward_weight', code, 'conv2d_backward_weight', [params(rt, d), dy, x, dw], grid1d(count, 1));
}

export function conv2dBackwardBias(rt: Runtime, d: ConvDims, dy: Binding, db: Binding): Call {
  return rt.call('conv2d_backward_bias', code, 'conv2d_backward_bias', [params(rt, d), dy, db], [d.O]);
}

export const conv2dKernels: KernelRef[] = [
  { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 0 } },
  { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 1 } },
  { code, entry: 'conv2d_backward_input' },
  { code, entry: 'conv2d_backward_weight' },
  { code, entry: 'conv2d_backward_bias' },
];
