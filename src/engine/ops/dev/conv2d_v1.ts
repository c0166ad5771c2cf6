// conv2d v1 (direct loops, one workgroup reduction per weight element), kept to measure v2 against.
import code from '../../../../shaders/dev/conv2d_v1.wgsl?raw';
import { kernel } from '../../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../../runtime';
import { convOutSize, type ConvDims } from '../conv2d';

function params(rt: Runtime, d: ConvDims) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW] });
}

export function conv2dForwardV1(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding): Call {
  const { OH, OW } = convOutSize(d);
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_forward'),
    bind: { P: params(rt, d), x, w, y, b: rt.dummy },
    grid: grid1d(d.N * d.O * OH * OW),
    constants: { HAS_BIAS: 0 },
    label: 'conv2d_forward v1',
  });
}

export function conv2dBackwardInputV1(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_backward_input'),
    bind: { P: params(rt, d), dy, w, dx },
    grid: grid1d(d.N * d.C * d.H * d.W),
    label: 'conv2d_backward_input v1',
  });
}

export function conv2dBackwardWeightV1(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_backward_weight'),
    bind: { P: params(rt, d), dy, x_saved: x, dw },
    grid: grid1d(d.O * d.C * d.KH * d.KW, 1),
    label: 'conv2d_backward_weight v1',
  });
}
