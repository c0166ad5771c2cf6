// conv2d v2 (8 channels per thread; one thread per weight element for the weight gradient), kept
// to measure v3 against.
import common from '../../../../shaders/common.wgsl?raw';
import source from '../../../../shaders/dev/conv2d_v2.wgsl?raw';
import { kernel } from '../../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../../runtime';
import { conv2dBackwardWeight, convOutSize, weightSplit, type ConvDims } from '../conv2d';

const code = common + source;

function params(rt: Runtime, d: ConvDims) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, 0, 0] });
}

const blocks = (g: [number, number, number], n: number): [number, number, number] => [g[0], g[1], Math.ceil(n / 8)];

export function conv2dForwardV2(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding): Call {
  const { OH, OW } = convOutSize(d);
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_forward'),
    bind: { P: params(rt, d), x, w, y, b: rt.dummy },
    grid: blocks(grid1d(d.N * OH * OW), d.O),
    constants: { HAS_BIAS: 0 },
    label: 'conv2d_forward v2',
  });
}

export function conv2dBackwardInputV2(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_backward_input'),
    bind: { P: params(rt, d), dy, w, dx },
    grid: blocks(grid1d(d.N * d.H * d.W), d.C),
    label: 'conv2d_backward_input v2',
  });
}

/** v2's weight gradient is the engine's per-element kernel (conv2d_backward_weight_any). */
export function conv2dBackwardWeightV2(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding): Call[] {
  return conv2dBackwardWeight(rt, d, dy, x, dw, scratch, true);
}

export function conv2dV2ScratchFloats(d: ConvDims): number {
  const nw = d.O * d.C * d.KH * d.KW;
  return Math.max(weightSplit(d, nw).S, weightSplit(d, nw, true).S) * nw;
}
