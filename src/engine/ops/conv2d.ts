import common from '../../../shaders/common.wgsl?raw';
import unpoolSource from '../../../shaders/conv2d_unpool.wgsl?raw';
import source from '../../../shaders/conv2d.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';
import { reduceKernels, reduceSegments } from './reduce';

const code = common + source;

/** The backward kernels of a convolution that feeds a max pool computed with it (conv1x1Pool). */
const DY_AT = 'fn dy_at(k: u32) -> f32 { return dy[k]; }';
if (!code.includes(DY_AT)) throw new Error('conv2d.wgsl: dy_at not found');
const unpoolCode = code.replace(DY_AT, unpoolSource);

/** The pool after a convolution: its window K and the winners conv1x1Pool kept. */
export interface Unpool {
  K: number;
  arg: Binding;
}

/**
 * Channels (B) and neighbouring pixels (T) per thread of forward and backward_input, and the
 * shader built for them: 8 × 4, or 2 × 1 where a GPU plan has a small output (≤ SMALL pixels),
 * so that small-spatial layers launch enough threads to fill a GPU (a CPU adapter prefers fewer).
 */
export interface Tile {
  B: number;
  T: number;
  code: string;
  unpool: string;
}

const SMALL = 144;
const tileCache = new Map<string, Tile>();

function tileOf(B: number, T: number): Tile {
  const key = `${B}x${T}`;
  let t = tileCache.get(key);
  if (!t) {
    const lines = ['const B = 8u;', 'const T = 4u;'];
    if (!lines.every((l) => code.includes(l))) throw new Error('conv2d.wgsl: B and T not found');
    const c = code.replace(lines[0], `const B = ${B}u;`).replace(lines[1], `const T = ${T}u;`);
    t = { B, T, code: c, unpool: c.replace(DY_AT, unpoolSource) };
    tileCache.set(key, t);
  }
  return t;
}

const smallOutput = (d: Pick<ConvDims, 'H' | 'W' | 'KH' | 'KW' | 'PH' | 'PW'>) => {
  const { OH, OW } = convOutSize(d as ConvDims);
  return OH * OW <= SMALL;
};

export function convTile(rt: Runtime, d: ConvDims): Tile {
  return !rt.info.isFallback && smallOutput(d) ? tileOf(2, 1) : tileOf(8, 4);
}

/** Code and extra bindings (6: pool_arg, 7: UnpoolParams) of a backward kernel, plain or unpooling. */
function backwardCode(rt: Runtime, d: ConvDims, unpool?: Unpool, tile = tileOf(8, 4)): { code: string; extra: Binding[] } {
  if (!unpool) return { code: tile.code, extra: [] };
  const { OH, OW } = convOutSize(d);
  return { code: tile.unpool, extra: [unpool.arg, rt.params({ u: [unpool.K, OH, OW, Math.floor(OH / unpool.K), Math.floor(OW / unpool.K)] })] };
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

/** The default tile's B (channels per thread) and T (neighbouring pixels per thread): conv1x1_pool's. */
const B = 8;
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
 * `cpu` (a CPU adapter, which runs few threads and pays for each partial it writes and re-reads)
 * keeps v3's longer chunks.
 */
export function weightSplit(d: ConvDims, outputs: number, cpu = false): { S: number; chunk: number } {
  const { OH, OW } = convOutSize(d);
  const rows = d.N * OH;
  const want = Math.max(1, Math.min(Math.ceil((rows * OW) / 32), Math.ceil(65536 / outputs), rows, cpu ? Infinity : 2048));
  const chunk = cpu ? Math.ceil(rows / want) : Math.min(Math.ceil(rows / want), Math.max(1, Math.floor(MAX_SERIAL / OW)));
  return { S: Math.ceil(rows / chunk), chunk };
}

const tiled = (d: ConvDims) => d.KH <= MAX_TILE && d.KW <= MAX_TILE;

/** Floats of the weight gradient's partial sums (conv2dWeightPartials). */
export function weightPartialFloats(d: ConvDims, perElement = !tiled(d), cpu = false): number {
  const nw = d.O * d.C * d.KH * d.KW;
  return weightSplit(d, perElement ? nw : d.O * d.C, cpu).S * nw;
}

/** Floats of the bias gradient's partial sums (conv2dBiasPartials). */
export function biasPartialFloats(d: ConvDims, cpu = false): number {
  return weightSplit(d, d.O, cpu).S * d.O;
}

/** Scratch floats conv2dBackwardWeight and conv2dBackwardBias need for their partial sums. */
export function convScratchFloats(d: ConvDims): number {
  return Math.max(...[false, true].flatMap((cpu) => [weightPartialFloats(d, undefined, cpu), biasPartialFloats(d, cpu)]));
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
export function conv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding, stats?: Binding): Call {
  const { OH, OW } = convOutSize(d);
  const { B, T, code } = convTile(rt, d);
  const g = grid1d(d.N * OH * Math.ceil(OW / T));
  const z = convSizes(d);
  const S = g[0] * g[1];
  const bindings = [params(rt, d), x, w, y, b ?? rt.dummy, ...(stats ? [stats] : [])];
  return rt.call(
    stats ? 'conv2d_forward_stats' : 'conv2d_forward',
    code,
    stats ? 'conv2d_forward_stats' : 'conv2d_forward',
    bindings,
    [g[0], g[1], Math.ceil(d.O / B)],
    {
      HAS_BIAS: b ? 1 : 0,
    },
    {
      bytes: 4 * (z.x + z.w + z.y + (b ? d.O : 0) + (stats ? 3 * d.O * S : 0)),
      flops: 2 * z.macs + (stats ? 4 * z.y : 0),
      serial: d.C * d.KH * d.KW + (stats ? 2 * B * T + 16 : 0),
    },
  );
}

export function conv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding, unpool?: Unpool): Call {
  const tile = convTile(rt, d);
  const g = grid1d(d.N * d.H * Math.ceil(d.W / tile.T));
  const z = convSizes(d);
  const k = backwardCode(rt, d, unpool, tile);
  const B = tile.B;
  return rt.call(
    'conv2d_backward_input',
    k.code,
    'conv2d_backward_input',
    [params(rt, d), dy, w, dx, ...(unpool ? [null, null, ...k.extra] : [])],
    [g[0], g[1], Math.ceil(d.C / B)],
    undefined,
    {
      bytes: 4 * (z.x + z.w + z.y),
      flops: 2 * z.macs,
      serial: d.O * d.KH * d.KW,
    },
  );
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
  return rt.call(
    'conv1x1_pool',
    code,
    'conv1x1_pool',
    [rt.params({ u: [d.N, d.C, d.H, d.W, d.O, K, POH, POW] }), x, w, y, b ?? rt.dummy, arg],
    [g[0], g[1], Math.ceil(d.O / B)],
    { HAS_BIAS: b ? 1 : 0 },
    {
      bytes: 4 * (d.N * d.C * d.H * d.W + d.O * d.C + 2 * n),
      flops: 2 * n * K * K * d.C,
      serial: K * K * d.C,
    },
  );
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
  perElement = !tiled(d),
  split = weightSplit(d, perElement ? d.O * d.C * d.KH * d.KW : d.O * d.C, rt.info.isFallback),
  unpool?: Unpool,
): Partials {
  const nw = d.O * d.C * d.KH * d.KW;
  const { OW } = convOutSize(d);
  const z = convSizes(d);
  const cost = { bytes: 4 * (z.x + z.y + split.S * nw), flops: 2 * z.macs, serial: split.chunk * OW };
  const k = backwardCode(rt, d, unpool);
  const bindings = [params(rt, d, split), dy, null, null, x, partial, ...k.extra];
  const call = perElement
    ? rt.call('conv2d_backward_weight', k.code, 'conv2d_backward_weight_any', bindings, grid1d(nw * split.S), undefined, cost)
    : rt.call('conv2d_backward_weight', k.code, 'conv2d_backward_weight', bindings, grid1d(d.O * d.C * split.S), { KHc: d.KH, KWc: d.KW }, cost);
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
  const split = weightSplit(d, d.O * d.C, rt.info.isFallback);
  const { OW } = convOutSize(d);
  const z = convSizes(d);
  const tile = convTile(rt, d);
  const G = Math.ceil((d.N * d.H * Math.ceil(d.W / tile.T)) / 256);
  const groups = G * Math.ceil(d.C / tile.B) + Math.ceil((d.O * d.C * split.S) / 256);
  const k = backwardCode(rt, d, unpool, tile);
  const call = rt.call(
    'conv2d_backward',
    k.code,
    'conv2d_backward',
    [params(rt, d, split, G), dy, w, dx, x, partial, ...k.extra],
    grid1d(groups * 256),
    { KHc: d.KH, KWc: d.KW },
    {
      bytes: 4 * (2 * z.x + z.w + z.y + split.S * nw),
      flops: 4 * z.macs,
      serial: Math.max(d.O * d.KH * d.KW, split.chunk * OW),
    },
  );
  return { call, count: nw, S: split.S };
}

/** db's first stage: partial sums over chunks of output rows into `partial` (biasPartialFloats(d) floats). */
export function conv2dBiasPartials(rt: Runtime, d: ConvDims, dy: Binding, partial: Binding, unpool?: Unpool): Partials {
  const split = weightSplit(d, d.O, rt.info.isFallback);
  const k = backwardCode(rt, d, unpool);
  const call = rt.call(
    'conv2d_backward_bias',
    k.code,
    'conv2d_backward_bias',
    [params(rt, d, split), dy, partial, ...(unpool ? [null, null, null, ...k.extra] : [])],
    grid1d(d.O * split.S),
    undefined,
    {
      bytes: 4 * (convSizes(d).y + split.S * d.O),
      flops: convSizes(d).y,
      serial: split.chunk * convOutSize(d).OW,
    },
  );
  return { call, count: d.O, S: split.S };
}

/** dw with its own reduction (two dispatches); a plan defers the second stage instead (GradReducer). */
export function conv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding, perElement = !tiled(d)): Call[] {
  const p = conv2dWeightPartials(rt, d, dy, x, scratch, perElement);
  return [p.call, reduceSegments(rt, 'conv2d_weight_reduce', [{ partial: scratch, count: p.count, S: p.S, out: dw }])];
}

export function conv2dBackwardBias(rt: Runtime, d: ConvDims, dy: Binding, db: Binding, scratch: Binding): Call[] {
  const p = conv2dBiasPartials(rt, d, dy, scratch);
  return [p.call, reduceSegments(rt, 'conv2d_bias_reduce', [{ partial: scratch, count: p.count, S: p.S, out: db }])];
}

/** The pipelines convolutions of these shapes use (the weight gradient is specialised per kernel size). */
export function conv2dKernels(convs: Pick<ConvDims, 'H' | 'W' | 'KH' | 'KW' | 'PH' | 'PW'>[]): KernelRef[] {
  const sizes = convs.map((d): [number, number] => [d.KH, d.KW]);
  const code = tileOf(8, 4).code;
  const weight = sizes.map(([KH, KW]) =>
    KH <= MAX_TILE && KW <= MAX_TILE
      ? { code, entry: 'conv2d_backward_weight', constants: { KHc: KH, KWc: KW } }
      : { code, entry: 'conv2d_backward_weight_any' },
  );
  // Small outputs get the 2 × 1 tile on a GPU (convTile).
  const small = tileOf(2, 1).code;
  const smallKernels = convs
    .filter(smallOutput)
    .flatMap((d): KernelRef[] => [
      ...[0, 1].flatMap((HAS_BIAS) => ['conv2d_forward', 'conv2d_forward_stats'].map((entry) => ({ code: small, entry, constants: { HAS_BIAS } }))),
      { code: small, entry: 'conv2d_backward_input' },
      ...(d.KH <= MAX_TILE && d.KW <= MAX_TILE ? [{ code: small, entry: 'conv2d_backward', constants: { KHc: d.KH, KWc: d.KW } }] : []),
    ]);
  return [
    { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 0 } },
    { code, entry: 'conv2d_forward', constants: { HAS_BIAS: 1 } },
    { code, entry: 'conv2d_forward_stats', constants: { HAS_BIAS: 0 } },
    { code, entry: 'conv2d_forward_stats', constants: { HAS_BIAS: 1 } },
    ...(sizes.some(([KH, KW]) => KH === 1 && KW === 1)
      ? [
          ...[0, 1].map((HAS_BIAS): KernelRef => ({ code, entry: 'conv1x1_pool', constants: { HAS_BIAS } })),
          { code: unpoolCode, entry: 'conv2d_backward', constants: { KHc: 1, KWc: 1 } },
        ]
      : []),
    { code, entry: 'conv2d_backward_input' },
    ...weight,
    ...sizes.flatMap(([KH, KW]) => (KH <= MAX_TILE && KW <= MAX_TILE ? [{ code, entry: 'conv2d_backward', constants: { KHc: KH, KWc: KW } }] : [])),
    ...smallKernels,
    { code, entry: 'conv2d_backward_bias' },
    ...reduceKernels,
  ];
}
