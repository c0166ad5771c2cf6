import common from '../../../shaders/common.wgsl?raw';
import unpoolSource from '../../../shaders/conv2d_unpool.wgsl?raw';
import source from '../../../shaders/conv2d.wgsl?raw';
import { kernel, type Kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';
import { reduceSegments } from './reduce';

const code = common + source;

/** The pool after a convolution: its window K and the winners conv1x1Pool kept. */
export interface Unpool {
  K: number;
  arg: Binding;
}

/**
 * Channels (B) and neighbouring pixels (T) per thread of forward and backward_input: 8 × 4, or
 * 2 × 1 where the Tuning asks for it (smallConvTile) and the output is small (≤ SMALL pixels),
 * so that small-spatial layers launch enough threads to fill a GPU (a CPU adapter prefers fewer).
 */
export interface Tile {
  B: number;
  T: number;
}

const SMALL = 144;
const WIDE: Tile = { B: 8, T: 4 };
const NARROW: Tile = { B: 2, T: 1 };

/**
 * The one way a convolution kernel is chosen: the entry, its tile (the WGSL's B and T) and, for
 * the backward of a convolution whose max pool ran with it (conv1x1Pool), dy read through the
 * pool's winners (conv2d_unpool.wgsl replaces `dy_at`, adding its bindings pool_arg and UP).
 */
export function convKernel(entry: string, tile: Tile = WIDE, unpool = false): Kernel {
  return kernel(code, entry, unpool ? { B: tile.B, T: tile.T, dy_at: unpoolSource } : { B: tile.B, T: tile.T });
}

export function convTile(rt: Runtime, d: ConvDims): Tile {
  const { OH, OW } = convOutSize(d);
  return rt.tuning.smallConvTile && OH * OW <= SMALL ? NARROW : WIDE;
}

/** The unpooling bindings of a backward kernel (none without a pool). */
function unpoolBind(rt: Runtime, d: ConvDims, unpool?: Unpool): Record<string, Binding> {
  if (!unpool) return {};
  const { OH, OW } = convOutSize(d);
  return { pool_arg: unpool.arg, UP: rt.params({ u: [unpool.K, OH, OW, Math.floor(OH / unpool.K), Math.floor(OW / unpool.K)] }) };
}

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

/** The largest kernel whose weight gradient keeps its KH×KW accumulators in registers. */
const MAX_TILE = 7;

/** The shader's ConvParams (geometry); with a split, ConvSplitParams; with G too, ConvBackwardParams. */
function params(rt: Runtime, d: ConvDims, split?: { S: number; chunk: number }, G?: number) {
  const { OH, OW } = convOutSize(d);
  const geom = [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW];
  return rt.params({ u: split ? (G !== undefined ? [...geom, split.S, split.chunk, G] : [...geom, split.S, split.chunk]) : geom });
}

/** The longest serial loop a weight-gradient thread may run (output pixels of its chunk). */
export const MAX_SERIAL = 256;

/**
 * How a weight-gradient reduction over the N·OH output rows is split into S chunks of `chunk`
 * rows: about 64k threads in all (`outputs` per chunk), at least ~32 products per thread, at
 * most 2048 chunks (reduce_segments' lanes then loop ≤ 128 times), and never more than MAX_SERIAL
 * output pixels per thread (v4; v3's split let the chunk grow with the batch: weightSplitV3 in
 * ops/dev/conv2d_v3.ts). Both bounds hold up to N·OH·OW ≈ 500k output pixels (batch 512 at 26×26).
 * `long` (the Tuning's longWeightChunks: a CPU adapter, which runs few threads and pays for each
 * partial it writes and re-reads) keeps v3's longer chunks.
 */
export function weightSplit(d: ConvDims, outputs: number, long = false): { S: number; chunk: number } {
  const { OH, OW } = convOutSize(d);
  return rowSplit(d.N * OH, OW, outputs, long);
}

/** weightSplit's rule for any `rows` output rows of OW pixels (conv2d_general's strided outputs too). */
export function rowSplit(rows: number, OW: number, outputs: number, long = false): { S: number; chunk: number } {
  const want = Math.max(1, Math.min(Math.ceil((rows * OW) / 32), Math.ceil(65536 / outputs), rows, long ? Infinity : 2048));
  const chunk = long ? Math.ceil(rows / want) : Math.min(Math.ceil(rows / want), Math.max(1, Math.floor(MAX_SERIAL / OW)));
  return { S: Math.ceil(rows / chunk), chunk };
}

const tiled = (d: ConvDims) => d.KH <= MAX_TILE && d.KW <= MAX_TILE;

/** Floats of the weight gradient's partial sums (conv2dWeightPartials). */
export function weightPartialFloats(d: ConvDims, long = false, perElement = !tiled(d)): number {
  const nw = d.O * d.C * d.KH * d.KW;
  return weightSplit(d, perElement ? nw : d.O * d.C, long).S * nw;
}

/** Floats of the bias gradient's partial sums (conv2dBiasPartials). */
export function biasPartialFloats(d: ConvDims, long = false): number {
  return weightSplit(d, d.O, long).S * d.O;
}

/** Scratch floats conv2dBackwardWeight and conv2dBackwardBias need for their partial sums. */
export function convScratchFloats(d: ConvDims): number {
  return Math.max(...[false, true].flatMap((long) => [weightPartialFloats(d, long), biasPartialFloats(d, long)]));
}

/** Floats of input, weights and output, and the multiply-adds of one pass (forward, dx or dw). */
export function convSizes(d: ConvDims): { x: number; w: number; y: number; macs: number } {
  const { OH, OW } = convOutSize(d);
  const w = d.O * d.C * d.KH * d.KW;
  return { x: d.N * d.C * d.H * d.W, w, y: d.N * d.O * OH * OW, macs: d.N * OH * OW * w };
}

/** Workgroups (in x·y) of conv2dForward: the chunks of the statistics conv2d_forward_stats writes. */
export function convStatsGroups(rt: Runtime, d: ConvDims): number {
  const { OH, OW } = convOutSize(d);
  const g = grid1d(d.N * OH * Math.ceil(OW / convTile(rt, d).T));
  return g[0] * g[1];
}

/**
 * y = conv(x, w) (+ b). With `stats` (3·O·convStatsGroups(d) floats), also the count, mean and M2
 * of each workgroup's outputs per channel, for the BatchNorm that follows (bnForward's producedChunks).
 */
export function conv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding, stats?: Binding, tile = convTile(rt, d)): Call {
  const { OH, OW } = convOutSize(d);
  const g = grid1d(d.N * OH * Math.ceil(OW / tile.T));
  const z = convSizes(d);
  const S = g[0] * g[1];
  const entry = stats ? 'conv2d_forward_stats' : 'conv2d_forward';
  return rt.dispatch({
    kernel: convKernel(entry, tile),
    bind: { P: params(rt, d), x, w, y, b: b ?? rt.dummy, ...(stats ? { stats } : {}) },
    grid: [g[0], g[1], Math.ceil(d.O / tile.B)],
    constants: { HAS_BIAS: b ? 1 : 0 },
    cost: {
      bytes: 4 * (z.x + z.w + z.y + (b ? d.O : 0) + (stats ? 3 * d.O * S : 0)),
      flops: 2 * z.macs + (stats ? 4 * z.y : 0),
      serial: d.C * d.KH * d.KW + (stats ? 2 * tile.B * tile.T + 16 : 0),
    },
  });
}

export function conv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding, unpool?: Unpool, tile = convTile(rt, d)): Call {
  const g = grid1d(d.N * d.H * Math.ceil(d.W / tile.T));
  const z = convSizes(d);
  return rt.dispatch({
    kernel: convKernel('conv2d_backward_input', tile, Boolean(unpool)),
    bind: { P: params(rt, d), dy, w, dx, ...unpoolBind(rt, d, unpool) },
    grid: [g[0], g[1], Math.ceil(d.C / tile.B)],
    cost: { bytes: 4 * (z.x + z.w + z.y), flops: 2 * z.macs, serial: d.O * d.KH * d.KW },
  });
}

/**
 * A 1×1 convolution (no padding) and the K×K max pool after it in one dispatch: the pooled output
 * `y` and, per output, the flat index of its window's winner in the convolution's output (`arg`);
 * the convolution's own output is never stored (its backward unpools, see Unpool).
 */
export function conv1x1Pool(rt: Runtime, d: ConvDims, K: number, x: Binding, w: Binding, y: Binding, arg: Binding, b?: Binding): Call {
  if (d.KH !== 1 || d.KW !== 1 || d.PH !== 0 || d.PW !== 0) throw new Error('conv1x1Pool: a 1×1 convolution without padding');
  const POH = Math.floor(d.H / K);
  const POW = Math.floor(d.W / K);
  const g = grid1d(d.N * POH * POW);
  const n = d.N * d.O * POH * POW;
  return rt.dispatch({
    kernel: convKernel('conv1x1_pool'),
    bind: { PP: rt.params({ u: [d.N, d.C, d.H, d.W, d.O, K, POH, POW] }), x, w, y, b: b ?? rt.dummy, arg_out: arg },
    grid: [g[0], g[1], Math.ceil(d.O / WIDE.B)],
    constants: { HAS_BIAS: b ? 1 : 0 },
    cost: { bytes: 4 * (d.N * d.C * d.H * d.W + d.O * d.C + 2 * n), flops: 2 * n * K * K * d.C, serial: K * K * d.C },
  });
}

/** A first stage: its dispatch and the reduction still to do (S partial vectors of `count` floats). */
export interface Partials {
  call: Call;
  count: number;
  S: number;
}

/**
 * dw's first stage: partial sums over chunks of output rows into `partial`
 * (weightPartialFloats(d) floats). `perElement` forces the one-thread-per-weight-element kernel
 * that sizes above 7×7 use (v2; selectable so bench:kernels can time the tiled kernel against
 * it); `split` overrides the chunking (the dev versions).
 */
export function conv2dWeightPartials(
  rt: Runtime,
  d: ConvDims,
  dy: Binding,
  x: Binding,
  partial: Binding,
  opts: { perElement?: boolean; split?: { S: number; chunk: number }; unpool?: Unpool } = {},
): Partials {
  const perElement = opts.perElement ?? !tiled(d);
  const nw = d.O * d.C * d.KH * d.KW;
  const split = opts.split ?? weightSplit(d, perElement ? nw : d.O * d.C, rt.tuning.longWeightChunks);
  const { OW } = convOutSize(d);
  const z = convSizes(d);
  const call = rt.dispatch({
    kernel: convKernel(perElement ? 'conv2d_backward_weight_any' : 'conv2d_backward_weight', WIDE, Boolean(opts.unpool)),
    bind: { PS: params(rt, d, split), dy, x_saved: x, partial, ...unpoolBind(rt, d, opts.unpool) },
    grid: grid1d((perElement ? nw : d.O * d.C) * split.S),
    constants: perElement ? undefined : { KHc: d.KH, KWc: d.KW },
    cost: { bytes: 4 * (z.x + z.y + split.S * nw), flops: 2 * z.macs, serial: split.chunk * OW },
    label: 'conv2d_backward_weight',
  });
  return { call, count: nw, S: split.S };
}

/** Whether conv2dBackward (dx and dw's first stage in one dispatch) handles this kernel size. */
export const fusedBackward = (d: ConvDims) => tiled(d);

/**
 * dx and dw's first stage in one dispatch (kernels up to 7×7): the workgroups of
 * conv2dBackwardInput, then those of conv2dWeightPartials. Returns the call and the reduction
 * still to do over `partial` (weightPartialFloats(d) floats).
 */
export function conv2dBackward(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding, x: Binding, partial: Binding, unpool?: Unpool): Partials {
  if (!tiled(d)) throw new Error(`conv2dBackward: ${d.KH}×${d.KW} kernels take conv2dBackwardInput and conv2dWeightPartials`);
  const nw = d.O * d.C * d.KH * d.KW;
  const split = weightSplit(d, d.O * d.C, rt.tuning.longWeightChunks);
  const { OW } = convOutSize(d);
  const z = convSizes(d);
  const tile = convTile(rt, d);
  const G = Math.ceil((d.N * d.H * Math.ceil(d.W / tile.T)) / 256);
  const groups = G * Math.ceil(d.C / tile.B) + Math.ceil((d.O * d.C * split.S) / 256);
  const call = rt.dispatch({
    kernel: convKernel('conv2d_backward', tile, Boolean(unpool)),
    bind: { PB: params(rt, d, split, G), dy, w, dx, x_saved: x, partial, ...unpoolBind(rt, d, unpool) },
    grid: grid1d(groups * 256),
    constants: { KHc: d.KH, KWc: d.KW },
    cost: { bytes: 4 * (2 * z.x + z.w + z.y + split.S * nw), flops: 4 * z.macs, serial: Math.max(d.O * d.KH * d.KW, split.chunk * OW) },
  });
  return { call, count: nw, S: split.S };
}

/** db's first stage: partial sums over chunks of output rows into `partial` (biasPartialFloats(d) floats). */
export function conv2dBiasPartials(rt: Runtime, d: ConvDims, dy: Binding, partial: Binding, unpool?: Unpool): Partials {
  const split = weightSplit(d, d.O, rt.tuning.longWeightChunks);
  const call = rt.dispatch({
    kernel: convKernel('conv2d_backward_bias', WIDE, Boolean(unpool)),
    bind: { PS: params(rt, d, split), dy, partial_b: partial, ...unpoolBind(rt, d, unpool) },
    grid: grid1d(d.O * split.S),
    cost: { bytes: 4 * (convSizes(d).y + split.S * d.O), flops: convSizes(d).y, serial: split.chunk * convOutSize(d).OW },
  });
  return { call, count: d.O, S: split.S };
}

/** dw with its own reduction (two dispatches); a plan defers the second stage instead (GradReducer). */
export function conv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding, perElement = !tiled(d)): Call[] {
  const p = conv2dWeightPartials(rt, d, dy, x, scratch, { perElement });
  return [p.call, reduceSegments(rt, 'conv2d_weight_reduce', [{ partial: scratch, count: p.count, S: p.S, out: dw }])];
}

export function conv2dBackwardBias(rt: Runtime, d: ConvDims, dy: Binding, db: Binding, scratch: Binding): Call[] {
  const p = conv2dBiasPartials(rt, d, dy, scratch);
  return [p.call, reduceSegments(rt, 'conv2d_bias_reduce', [{ partial: scratch, count: p.count, S: p.S, out: db }])];
}
