// Conv2d with stride, dilation or groups other than 1 (shaders/conv2d_general.wgsl): one thread
// per output element forward, per input element for dx (a gather), per weight element and chunk
// of output rows for dw's partial sums. The common case keeps ops/conv2d.ts and its fusions.
import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/conv2d_general.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';
import { rowSplit, type ConvDims, type Partials } from './conv2d';
import { reduceSegments } from './reduce';

const code = common + source;

/** ConvDims with stride (SH, SW), dilation (DH, DW) and groups G (C and O multiples of G). */
export interface GeneralConvDims extends ConvDims {
  SH: number;
  SW: number;
  DH: number;
  DW: number;
  G: number;
}

/** PyTorch's output size: ⌊(H + 2·PH − DH·(KH − 1) − 1) / SH⌋ + 1 (OW likewise). */
export function generalOutSize(d: GeneralConvDims): { OH: number; OW: number } {
  return {
    OH: Math.floor((d.H + 2 * d.PH - d.DH * (d.KH - 1) - 1) / d.SH) + 1,
    OW: Math.floor((d.W + 2 * d.PW - d.DW * (d.KW - 1) - 1) / d.SW) + 1,
  };
}

/** Floats of x, of the weights [O, C/G, KH, KW] and of y. */
export function generalSizes(d: GeneralConvDims): { x: number; w: number; y: number; macs: number } {
  const { OH, OW } = generalOutSize(d);
  const w = (d.O * d.C * d.KH * d.KW) / d.G;
  return { x: d.N * d.C * d.H * d.W, w, y: d.N * d.O * OH * OW, macs: d.N * OH * OW * w };
}

/** The shader's GeneralParams; with a split, GeneralSplitParams. */
function params(rt: Runtime, d: GeneralConvDims, split?: { S: number; chunk: number }): GPUBuffer {
  const { OH, OW } = generalOutSize(d);
  const u = [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, d.SH, d.SW, d.DH, d.DW, d.G];
  return rt.params({ u: split ? [...u, split.S, split.chunk] : u });
}

export function conv2dGeneralForward(rt: Runtime, d: GeneralConvDims, x: Binding, w: Binding, y: Binding, b?: Binding): Call {
  const z = generalSizes(d);
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_general_forward'),
    bind: { P: params(rt, d), x, w, y, b: b ?? rt.dummy },
    grid: grid1d(z.y),
    constants: { HAS_BIAS: b ? 1 : 0 },
    cost: { bytes: 4 * (z.x + z.w + z.y + (b ? d.O : 0)), flops: 2 * z.macs, serial: (d.C / d.G) * d.KH * d.KW },
  });
}

export function conv2dGeneralBackwardInput(rt: Runtime, d: GeneralConvDims, dy: Binding, w: Binding, dx: Binding): Call {
  const z = generalSizes(d);
  return rt.dispatch({
    kernel: kernel(code, 'conv2d_general_backward_input'),
    bind: { P: params(rt, d), dy, w, dx },
    grid: grid1d(z.x),
    cost: { bytes: 4 * (z.x + z.w + z.y), flops: 2 * z.macs, serial: (d.O / d.G) * d.KH * d.KW },
  });
}

/** How dw's sum over the N·OH output rows is chunked (weightSplit's rule, one thread per weight element). */
export function generalWeightSplit(d: GeneralConvDims, long = false): { S: number; chunk: number } {
  const { OH, OW } = generalOutSize(d);
  return rowSplit(d.N * OH, OW, generalSizes(d).w, long);
}

/** Floats of dw's partial sums (conv2dGeneralWeightPartials). */
export function generalWeightPartialFloats(d: GeneralConvDims, long = false): number {
  return generalWeightSplit(d, long).S * generalSizes(d).w;
}

/** dw's first stage: partial sums per chunk of output rows into `partial`. */
export function conv2dGeneralWeightPartials(rt: Runtime, d: GeneralConvDims, dy: Binding, x: Binding, partial: Binding): Partials {
  const split = generalWeightSplit(d, rt.tuning.longWeightChunks);
  const z = generalSizes(d);
  const call = rt.dispatch({
    kernel: kernel(code, 'conv2d_general_backward_weight'),
    bind: { PS: params(rt, d, split), dy, x, partial },
    grid: grid1d(z.w * split.S),
    cost: { bytes: 4 * (z.x + z.y + split.S * z.w), flops: 2 * z.macs, serial: split.chunk * generalOutSize(d).OW },
  });
  return { call, count: z.w, S: split.S };
}

/**
 * The bias gradient does not depend on the window: it is conv2d.wgsl's, for a 1×1 stride-1
 * convolution whose input is this one's output size (conv2dBiasPartials, biasPartialFloats).
 */
export function biasDims(d: GeneralConvDims): ConvDims {
  const { OH, OW } = generalOutSize(d);
  return { N: d.N, C: d.O, H: OH, W: OW, O: d.O, KH: 1, KW: 1, PH: 0, PW: 0 };
}

/** dw with its own reduction (two dispatches; a plan defers the second: GradReducer). */
export function conv2dGeneralBackwardWeight(rt: Runtime, d: GeneralConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding): Call[] {
  const p = conv2dGeneralWeightPartials(rt, d, dy, x, scratch);
  return [p.call, reduceSegments(rt, 'conv2d_general_weight_reduce', [{ partial: scratch, count: p.count, S: p.S, out: dw }])];
}
