// Conv2d as implicit GEMMs (shaders/gemm_conv2d.wgsl): forward, backward to the input, and
// backward to the weights split along K = N·OH·OW with a bounded partial buffer.
import source from '../../../shaders/gemm_conv2d.wgsl?raw';
import { kernel } from '../kernel';
import { type Binding, type Call, type Runtime } from '../runtime';
import { convOutSize, convSizes, convTile, type ConvDims, type Partials } from './conv2d';
import { checkTile, chooseSplit, chooseTile, tileText, type GemmTile } from './gemm';
import { reduceSegments } from './reduce';

/** The GEMM each pass of a convolution is: rows, columns and reduction length. */
export function convGemmDims(d: ConvDims, pass: 'forward' | 'input' | 'weight'): { M: number; N: number; K: number } {
  const { OH, OW } = convOutSize(d);
  const KK = d.KH * d.KW;
  if (pass === 'forward') return { M: d.N * OH * OW, N: d.O, K: d.C * KK };
  if (pass === 'input') return { M: d.N * d.H * d.W, N: d.C, K: d.O * KK };
  return { M: d.O, N: d.C * KK, K: d.N * OH * OW };
}

/** The tile a pass takes by default (chooseTile on its GEMM's output). */
export function convGemmTile(rt: Runtime, d: ConvDims, pass: 'forward' | 'input' | 'weight'): GemmTile {
  const g = convGemmDims(d, pass);
  return chooseTile(rt, g.M, g.N);
}

function params(rt: Runtime, d: ConvDims, chunk = 0) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, chunk] }, 'conv gemm params');
}

function refuseShape(d: ConvDims, label: string) {
  const { OH, OW } = convOutSize(d);
  if (OH < 1 || OW < 1) throw new Error(`${label}: a ${d.KH}×${d.KW} kernel with padding ${d.PH}, ${d.PW} does not fit a ${d.H}×${d.W} input`);
}

/** y = conv(x, w) (+ b) as one GEMM dispatch (M = N·OH·OW, N = O, K = C·KH·KW). */
export function gemmConv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding, tile?: GemmTile): Call {
  refuseShape(d, 'conv_gemm_forward');
  const t = tile ? checkTile(rt, tile, 'conv_gemm_forward') : convGemmTile(rt, d, 'forward');
  const g = convGemmDims(d, 'forward');
  const z = convSizes(d);
  return rt.dispatch({
    kernel: kernel(source, 'conv_gemm_forward', { TM: t.TM, TN: t.TN, BK: t.BK }),
    bind: { P: params(rt, d), x, w, y, b: b ?? rt.dummy },
    grid: [Math.ceil(g.M / (16 * t.TM)), Math.ceil(g.N / (16 * t.TN))],
    constants: { HAS_BIAS: b ? 1 : 0 },
    cost: { bytes: 4 * (z.x + z.w + z.y + (b ? d.O : 0)), flops: 2 * z.macs, serial: Math.ceil(g.K / t.BK) },
  });
}

/** dx = the transposed convolution of dy with w, as one GEMM dispatch (M = N·H·W, N = C, K = O·KH·KW). */
export function gemmConv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding, tile?: GemmTile): Call {
  refuseShape(d, 'conv_gemm_backward_input');
  const t = tile ? checkTile(rt, tile, 'conv_gemm_backward_input') : convGemmTile(rt, d, 'input');
  const g = convGemmDims(d, 'input');
  const z = convSizes(d);
  return rt.dispatch({
    kernel: kernel(source, 'conv_gemm_backward_input', { TM: t.TM, TN: t.TN, BK: t.BK }),
    bind: { P: params(rt, d), dy, w, dx },
    grid: [Math.ceil(g.M / (16 * t.TM)), Math.ceil(g.N / (16 * t.TN))],
    cost: { bytes: 4 * (z.x + z.w + z.y), flops: 2 * z.macs, serial: Math.ceil(g.K / t.BK) },
  });
}

/**
 * The weight gradient's partials are bounded by `maxPartialFloats` (default: twice the layer's
 * weights or 2^18 floats, whichever is more), so a plan's partials stay within 4× the model's
 * parameters (test/s5.test.ts) whatever the batch.
 */
export function gemmWeightSplit(rt: Runtime, d: ConvDims, tile = convGemmTile(rt, d, 'weight'), maxPartialFloats?: number): { S: number; chunk: number } {
  const g = convGemmDims(d, 'weight');
  const tiles = Math.ceil(g.M / (16 * tile.TM)) * Math.ceil(g.N / (16 * tile.TN));
  const nw = g.M * g.N;
  return chooseSplit(rt, tiles, g.K, tile.BK, nw, maxPartialFloats ?? Math.max(2 * nw, 1 << 18));
}

/** Floats of gemmConv2dWeightPartials' partials (S · O·C·KH·KW). */
export function gemmWeightPartialFloats(rt: Runtime, d: ConvDims, tile?: GemmTile, maxPartialFloats?: number): number {
  const t = tile ?? convGemmTile(rt, d, 'weight');
  return gemmWeightSplit(rt, d, t, maxPartialFloats).S * d.O * d.C * d.KH * d.KW;
}

/**
 * dw's GEMM (M = O, N = C·KH·KW, K = N·OH·OW) split along K into S chunks: partial sums into
 * `partial` (S·O·C·KH·KW floats; with S = 1 this is dw itself). Returns the reduction still to do.
 */
export function gemmConv2dWeightPartials(
  rt: Runtime,
  d: ConvDims,
  dy: Binding,
  x: Binding,
  partial: Binding,
  opts: { tile?: GemmTile; split?: { S: number; chunk: number }; maxPartialFloats?: number } = {},
): Partials {
  refuseShape(d, 'conv_gemm_backward_weight');
  const t = opts.tile ? checkTile(rt, opts.tile, 'conv_gemm_backward_weight') : convGemmTile(rt, d, 'weight');
  const g = convGemmDims(d, 'weight');
  const split = opts.split ?? gemmWeightSplit(rt, d, t, opts.maxPartialFloats);
  if (split.chunk % t.BK || split.S * split.chunk < g.K || (split.S - 1) * split.chunk >= g.K)
    throw new Error(`conv_gemm_backward_weight: split ${split.S} × ${split.chunk} does not cover K = ${g.K} in chunks of a multiple of BK = ${t.BK}`);
  const z = convSizes(d);
  const nw = g.M * g.N;
  const call = rt.dispatch({
    kernel: kernel(source, 'conv_gemm_backward_weight', { TM: t.TM, TN: t.TN, BK: t.BK }),
    label: 'conv_gemm_backward_weight',
    bind: { P: params(rt, d, split.chunk), dy, xw: x, dw: partial },
    grid: [Math.ceil(g.N / (16 * t.TN)), Math.ceil(g.M / (16 * t.TM)), split.S],
    cost: { bytes: 4 * (z.x + z.y + split.S * nw), flops: 2 * z.macs, serial: split.chunk / t.BK },
  });
  return { call, count: nw, S: split.S };
}

/** dw with its own reduction: one dispatch when it does not split, else the partials into `scratch` and reduce_segments. */
export function gemmConv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch?: Binding, tile?: GemmTile): Call[] {
  const t = tile ?? convGemmTile(rt, d, 'weight');
  const split = gemmWeightSplit(rt, d, t);
  if (split.S === 1) return [gemmConv2dWeightPartials(rt, d, dy, x, dw, { tile: t, split }).call];
  if (!scratch) throw new Error(`conv_gemm_backward_weight: a K split in ${split.S} needs a scratch binding of ${gemmWeightPartialFloats(rt, d, t)} floats`);
  const p = gemmConv2dWeightPartials(rt, d, dy, x, scratch, { tile: t, split });
  return [p.call, reduceSegments(rt, 'conv_gemm_weight_reduce', [{ partial: scratch, count: p.count, S: p.S, out: dw }])];
}

/** How one pass of a convolution runs: a GEMM with its tile, or today's direct kernel. */
export type ConvChoice = { kind: 'gemm'; tile: GemmTile; text: string } | { kind: 'direct'; text: string };

/** Floor of the GEMM's M and N for each pass to take it (convChoice). */
const GEMM_MIN = { forward: 128, input: 128, weight: 64 };

/** The tile a plan's GEMMs take: 8×8 outputs per thread, 128×128×16 (16 KiB of workgroup storage). */
export const PLAN_TILE: GemmTile = { TM: 8, TN: 8, BK: 16 };

/**
 * The rule a plan follows per layer and pass (measured with bench:kernels on lavapipe, see
 * docs/bench/): the GEMM with PLAN_TILE where its M and N are ≥ 128 (forward, dx) or ≥ 64 (dw,
 * whose direct kernel's partials also grow with the batch); else the direct kernel (B×T: its
 * channels × pixels per thread), which measured faster there. A convolution that unpools
 * (conv1x1_pool) keeps the direct backward.
 */
export function convChoice(rt: Runtime, d: ConvDims, pass: 'forward' | 'input' | 'weight', unpool = false): ConvChoice {
  const g = convGemmDims(d, pass);
  const min = GEMM_MIN[pass];
  if (!unpool && g.M >= min && g.N >= min) {
    const tile = checkTile(rt, PLAN_TILE, `conv ${pass}`);
    const split = pass === 'weight' ? `, split ${gemmWeightSplit(rt, d, tile).S}` : '';
    return { kind: 'gemm', tile, text: `${tileText(tile)}${split}` };
  }
  if (pass === 'weight') return { kind: 'direct', text: 'direct (v4 partials)' };
  const t = convTile(rt, d);
  return { kind: 'direct', text: `direct ${t.B}×${t.T}` };
}

/** "forward gemm 128×128×16 tile; dx direct 8×4; dw …": what convChoice picks for each pass. */
export function convChoiceText(rt: Runtime, d: ConvDims, needDx = true): string {
  const parts = [`forward ${convChoice(rt, d, 'forward').text}`];
  if (needDx) parts.push(`dx ${convChoice(rt, d, 'input').text}`);
  parts.push(`dw ${convChoice(rt, d, 'weight').text}`);
  return parts.join('; ');
}
