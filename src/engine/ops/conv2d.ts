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

/** The shader's B (channels per thread) and T (neighbouring pixels per thread). */
const B = 8;
const T = 4;
/** The largest kernel whose weight gradient keeps its KH×KW accumulators in registers. */
const MAX_TILE = 7;

function params(rt: Runtime, d: ConvDims, split = { S: 0, chunk: 0 }) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, split.S, split.chunk] });
}

/**
 * How a weight-gradient reduction over the N·OH output rows is split into S chunks of `chunk`
 * rows: about 64k threads in all (`outputs` per chunk), and at least ~32 products per thread.
 */
export function weightSplit(d: ConvDims, outputs: number): { S: number; chunk: number } {
  const { OH, OW } = convOutSize(d);
  const rows = d.N * OH;
  const want = Math.max(1, Math.min(Math.ceil((rows * OW) / 32), Math.ceil(65536 / outputs), rows));
  const chunk = Math.ceil(rows / want);
  return { S: Math.ceil(rows / chunk), chunk };
}

const tiled = (d: ConvDims) => d.KH <= MAX_TILE && d.KW <= MAX_TILE;

/** Threads of one weight-gradient chunk: (output, input) channel pairs, or weight elements. */
const weightThreads = (d: ConvDims) => (tiled(d) ? d.O * d.C : d.O * d.C * d.KH * d.KW);

/** Scratch floats conv2dBackwardWeight and conv2dBackwardBias need for their partial sums. */
export function convScratchFloats(d: ConvDims): number {
  const nw = d.O * d.C * d.KH * d.KW;
  return Math.max(weightSplit(d, weightThreads(d)).S * nw, weightSplit(d, d.O).S * d.O);
}

/** Floats of input, weights and output, and the multiply-adds of one pass (forward, dx or dw). */
export function convSizes(d: ConvDims): { x: number; w: number; y: number; macs: number } {
  const { OH, OW } = convOutSize(d);
  const w = d.O * d.C * d.KH * d.KW;
  return { x: d.N * d.C * d.H * d.W, w, y: d.N * d.O * OH * OW, macs: d.N * OH * OW * w };
}

export function conv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding): Call {
  const { OH, OW } = convOutSize(d);
  const g = grid1d(d.N * OH * Math.ceil(OW / T));
  const z = convSizes(d);
  return rt.call('conv2d_forward', code, 'conv2d_forward', [params(rt, d), x, w, y, b ?? rt.dummy], [g[0], g[1], Math.ceil(d.O / B)], {
    HAS_BIAS: b ? 1 : 0,
  }, { bytes: 4 * (z.x + z.w + z.y + (b ? d.O : 0)), flops: 2 * z.macs, serial: d.C * d.KH * d.KW });
}

export function conv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding): Call {
  const g = grid1d(d.N * d.H * Math.ceil(d.W / T));
  const z = convSizes(d);
  return rt.call('conv2d_backward_input', code, 'conv2d_backward_input', [params(rt, d), dy, w, dx], [g[0], g[1], Math.ceil(d.C / B)], undefined, {
    bytes: 4 * (z.x + z.w + z.y),
    flops: 2 * z.macs,
    serial: d.O * d.KH * d.KW,
  });
}

function reduce(rt: Runtime, label: string, count: number, S: number, partial: Binding, out: Binding): Call {
  return rt.call(label, code, 'reduce_partials', [rt.params({ u: [count, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, S, 0] }), partial, out], grid1d(count), undefined, {
    bytes: 4 * count * (S + 1),
    flops: count * S,
    serial: S,
  });
}

/**
 * dw via partial sums in `scratch` (convScratchFloats(d) floats): two dispatches. `perElement`
 * forces the one-thread-per-weight-element kernel that sizes above 7×7 use (it was v2; kept
 * selectable so bench:kernels can time the tiled kernel against it).
 */
export function conv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding, perElement = !tiled(d)): Call[] {
  const nw = d.O * d.C * d.KH * d.KW;
  const split = weightSplit(d, perElement ? nw : d.O * d.C);
  const { OW } = convOutSize(d);
  const z = convSizes(d);
  const cost = { bytes: 4 * (z.x + z.y + split.S * nw), flops: 2 * z.macs, serial: split.chunk * OW };
  const main = perElement
    ? rt.call('conv2d_backward_weight', code, 'conv2d_backward_weight_any', [params(rt, d, split), dy, x, scratch], grid1d(nw * split.S), undefined, cost)
    : rt.call('conv2d_backward_weight', code, 'conv2d_backward_weight', [params(rt, d, split), dy, x, scratch], grid1d(d.O * d.C * split.S), { KHc: d.KH, KWc: d.KW }, cost);
  return [main, reduce(rt, 'conv2d_weight_reduce', nw, split.S, scratch, dw)];
}

export function conv2dBackwardBias(rt: Runtime, d: ConvDims, dy: Binding, db: Binding, scratch: Binding): Call[] {
  const split = weightSplit(d, d.O);
  return [
    rt.call('conv2d_backward_bias', code, 'conv2d_backward_bias', [params(rt, d, split), dy, scratch], grid1d(d.O * split.S), undefined, {
      bytes: 4 * (convSizes(d).y + split.S * d.O),
      flops: convSizes(d).y,
      serial: split.chunk * convOutSize(d).OW,
    }),
    reduce(rt, 'conv2d_bias_reduce', d.O, split.S, scratch, db),
  ];
}

/** The pipelines convolutions with these kernel sizes use (the weight gradient is specialised per size). */
export function conv2dKernels(sizes: [number, number][]): KernelRef[] {
  const weight = sizes.map(([KH, KW]) =>
    KH <= MAX_TILE && KW <= MAX_TILE ? { code, entry: 'conv2d_backward_weight', constants: { KHc: KH, KWc: KW } } : { code, entry: 'conv2d_backward_weight_any' },
  );
  return [
    { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 0 } },
    { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 1 } },
    { code, entry: 'conv2d_backward_input' },
    ...weight,
    { code, entry: 'conv2d_backward_bias' },
    { code, entry: 'reduce_partials' },
  ];
}
