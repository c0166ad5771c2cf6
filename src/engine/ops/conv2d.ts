import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/conv2d.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';

const code = common + source;

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

/** Channels computed per thread in forward / backward_input (the shader's B). */
const B = 8;

function params(rt: Runtime, d: ConvDims, split = { S: 0, chunk: 0 }) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, split.S, split.chunk] });
}

/**
 * How the weight-gradient reduction over the N·OH output rows is split into S chunks of `chunk`
 * rows: about 64k threads in all, and at least ~32 products per thread.
 */
export function weightSplit(d: ConvDims, outputs: number): { S: number; chunk: number } {
  const { OH, OW } = convOutSize(d);
  const rows = d.N * OH;
  const want = Math.max(1, Math.min(Math.ceil((rows * OW) / 32), Math.ceil(65536 / outputs), rows));
  const chunk = Math.ceil(rows / want);
  return { S: Math.ceil(rows / chunk), chunk };
}

/** Scratch floats conv2dBackwardWeight and conv2dBackwardBias need for their partial sums. */
export function convScratchFloats(d: ConvDims): number {
  const nw = d.O * d.C * d.KH * d.KW;
  return Math.max(weightSplit(d, nw).S * nw, weightSplit(d, d.O).S * d.O);
}

function withBlocks(g: [number, number, number], blocks: number): [number, number, number] {
  return [g[0], g[1], blocks];
}

export function conv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding): Call {
  const { OH, OW } = convOutSize(d);
  return rt.call('conv2d_forward', code, 'conv2d_forward', [params(rt, d), x, w, y, b ?? rt.dummy], withBlocks(grid1d(d.N * OH * OW), Math.ceil(d.O / B)), {
    HAS_BIAS: b ? 1 : 0,
  });
}

export function conv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding): Call {
  return rt.call('conv2d_backward_input', code, 'conv2d_backward_input', [params(rt, d), dy, w, dx], withBlocks(grid1d(d.N * d.H * d.W), Math.ceil(d.C / B)));
}

function reduce(rt: Runtime, label: string, count: number, S: number, partial: Binding, out: Binding): Call {
  return rt.call(label, code, 'reduce_partials', [rt.params({ u: [count, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, S, 0] }), partial, out], grid1d(count));
}

/** dw via partial sums in `scratch` (convScratchFloats(d) floats): two dispatches. */
export function conv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding): Call[] {
  const nw = d.O * d.C * d.KH * d.KW;
  const split = weightSplit(d, nw);
  return [
    rt.call('conv2d_backward_weight', code, 'conv2d_backward_weight', [params(rt, d, split), dy, x, scratch], grid1d(nw * split.S)),
    reduce(rt, 'conv2d_weight_reduce', nw, split.S, scratch, dw),
  ];
}

export function conv2dBackwardBias(rt: Runtime, d: ConvDims, dy: Binding, db: Binding, scratch: Binding): Call[] {
  const split = weightSplit(d, d.O);
  return [
    rt.call('conv2d_backward_bias', code, 'conv2d_backward_bias', [params(rt, d, split), dy, scratch], grid1d(d.O * split.S)),
    reduce(rt, 'conv2d_bias_reduce', d.O, split.S, scratch, db),
  ];
}

export const conv2dKernels: KernelRef[] = [
  { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 0 } },
  { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 1 } },
  { code, entry: 'conv2d_backward_input' },
  { code, entry: 'conv2d_backward_weight' },
  { code, entry: 'conv2d_backward_bias' },
  { code, entry: 'reduce_partials' },
];
