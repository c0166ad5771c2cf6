// Conv2d as implicit GEMMs (shaders/gemm_conv2d.wgsl): forward, backward to the input, and
// backward to the weights split along K = N·OH·OW with a bounded partial buffer.
import source from '../../../shaders/gemm_conv2d.wgsl?raw';
import { kernel } from '../kernel';
import { type Binding, type Call, type Runtime } from '../runtime';
import { convOutSize, convSizes, convTile, MAX_SERIAL, type ConvDims, type Partials } from './conv2d';
import { checkTile, chooseSplit, chooseTile, tileText, type GemmTile } from './gemm';
import { blockText, checkBlock, cpuPlanBlock, cpuWeightSplit, type CpuBlock } from './conv_cpu';
import { reduceSegments, type ReduceSegment } from './reduce';

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

function params(rt: Runtime, d: ConvDims, chunk = 0, k0 = 0) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, chunk, k0] }, 'conv gemm params');
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

/** dw's K split: S chunks of `chunk` per round, R rounds (each S·chunk long) in turn. */
export interface WeightSplit {
  S: number;
  chunk: number;
  R: number;
}

/**
 * How dw's GEMM splits K = N·OH·OW. A CPU tuning: chooseSplit, one round. A GPU tuning: S splits
 * so that a round launches ≥ 16,384 threads (64 workgroups), chunks of at most MAX_SERIAL staged
 * tiles, and as many rounds as K then needs, so its partials stay S·O·C·KH·KW whatever the batch.
 * Either way the partials are at most `maxPartialFloats` (default: 4× the layer's weights or 2^18
 * floats, whichever is more), so a plan's stay within 4× the model's parameters (test/s5.test.ts).
 */
export function gemmWeightSplit(rt: Runtime, d: ConvDims, tile = convGemmTile(rt, d, 'weight'), maxPartialFloats?: number): WeightSplit {
  const g = convGemmDims(d, 'weight');
  const tiles = Math.ceil(g.M / (16 * tile.TM)) * Math.ceil(g.N / (16 * tile.TN));
  const nw = g.M * g.N;
  const bound = maxPartialFloats ?? Math.max(4 * nw, 1 << 18);
  if (rt.tuning.kind === 'cpu') return { ...chooseSplit(rt, tiles, g.K, tile.BK, nw, bound), R: 1 };
  const steps = Math.ceil(g.K / tile.BK);
  const S0 = Math.max(1, Math.min(Math.ceil(64 / tiles), Math.floor(bound / nw), Math.floor(steps / 16)));
  const chunk = Math.min(MAX_SERIAL, Math.ceil(steps / S0)) * tile.BK;
  const R = Math.ceil(g.K / (S0 * chunk));
  return { S: R > 1 ? S0 : Math.ceil(g.K / chunk), chunk, R };
}

/** Floats of gemmConv2dWeightPartials' partials (S · O·C·KH·KW). */
export function gemmWeightPartialFloats(rt: Runtime, d: ConvDims, tile?: GemmTile, maxPartialFloats?: number): number {
  const t = tile ?? convGemmTile(rt, d, 'weight');
  return gemmWeightSplit(rt, d, t, maxPartialFloats).S * d.O * d.C * d.KH * d.KW;
}

/**
 * One round of dw's GEMM (M = O, N = C·KH·KW, K = N·OH·OW) split along K into S chunks: partial
 * sums into `partial` (S·O·C·KH·KW floats; with S = 1 this is dw itself, which `accumulate` adds
 * to). Returns the reduction still to do.
 */
export function gemmConv2dWeightPartials(
  rt: Runtime,
  d: ConvDims,
  dy: Binding,
  x: Binding,
  partial: Binding,
  opts: { tile?: GemmTile; split?: { S: number; chunk: number; R?: number }; maxPartialFloats?: number; round?: number; accumulate?: boolean } = {},
): Partials {
  refuseShape(d, 'conv_gemm_backward_weight');
  const t = opts.tile ? checkTile(rt, opts.tile, 'conv_gemm_backward_weight') : convGemmTile(rt, d, 'weight');
  const g = convGemmDims(d, 'weight');
  const sp = opts.split ?? gemmWeightSplit(rt, d, t, opts.maxPartialFloats);
  const R = sp.R ?? 1;
  const round = opts.round ?? 0;
  const span = sp.S * sp.chunk;
  const bad = R === 1 ? (sp.S - 1) * sp.chunk >= g.K : (R - 1) * span >= g.K;
  if (sp.chunk % t.BK || R * span < g.K || bad || !(round >= 0 && round < R))
    throw new Error(
      `conv_gemm_backward_weight: split ${R > 1 ? `${R} rounds of ` : ''}${sp.S} × ${sp.chunk}${round ? ` (round ${round})` : ''} does not cover K = ${g.K} in chunks of a multiple of BK = ${t.BK}`,
    );
  const z = convSizes(d);
  const nw = g.M * g.N;
  const k0 = round * span;
  const macs = (z.macs * Math.max(0, Math.min(g.K, k0 + span) - k0)) / g.K;
  const call = rt.dispatch({
    kernel: kernel(source, 'conv_gemm_backward_weight', { TM: t.TM, TN: t.TN, BK: t.BK }),
    label: 'conv_gemm_backward_weight',
    bind: { P: params(rt, d, sp.chunk, k0), dy, xw: x, dw: partial },
    grid: [Math.ceil(g.N / (16 * t.TN)), Math.ceil(g.M / (16 * t.TM)), sp.S],
    constants: { ACCUM: opts.accumulate ? 1 : 0 },
    cost: { bytes: 4 * ((z.x + z.y) / R + sp.S * nw * (opts.accumulate ? 2 : 1)), flops: 2 * macs, serial: sp.chunk / t.BK },
  });
  return { call, count: nw, S: sp.S };
}

/**
 * dw as rounds of gemmConv2dWeightPartials: unsplit rounds write (then add to) dw; split rounds
 * write `partial` and reduce it into dw before the next round. A single split round's reduction
 * goes to `defer` when given (a plan's one reduction at the end of backward).
 */
export function gemmWeightRounds(
  rt: Runtime,
  d: ConvDims,
  dy: Binding,
  x: Binding,
  dw: Binding,
  partial: Binding | undefined,
  tile: GemmTile,
  split: WeightSplit,
  defer?: (s: ReduceSegment) => void,
): Call[] {
  const calls: Call[] = [];
  for (let r = 0; r < split.R; r++) {
    if (split.S === 1) {
      calls.push(gemmConv2dWeightPartials(rt, d, dy, x, dw, { tile, split, round: r, accumulate: r > 0 }).call);
      continue;
    }
    if (!partial) throw new Error(`conv_gemm_backward_weight: a K split in ${split.S} needs a scratch binding of ${split.S * d.O * d.C * d.KH * d.KW} floats`);
    const p = gemmConv2dWeightPartials(rt, d, dy, x, partial, { tile, split, round: r });
    calls.push(p.call);
    const seg = { partial, count: p.count, S: p.S, out: dw };
    if (split.R === 1 && defer) defer(seg);
    else calls.push(reduceSegments(rt, 'conv_gemm_weight_reduce', [seg], r > 0));
  }
  return calls;
}

/** dw with its own reductions: gemmWeightRounds with the partials in `scratch`. */
export function gemmConv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch?: Binding, tile?: GemmTile): Call[] {
  const t = tile ?? convGemmTile(rt, d, 'weight');
  return gemmWeightRounds(rt, d, dy, x, dw, scratch, t, gemmWeightSplit(rt, d, t));
}

/** How one pass of a convolution runs: a GEMM with its tile, a CPU tuning's barrier-free block, or today's direct kernel. */
export type ConvChoice = { kind: 'gemm'; tile: GemmTile; text: string } | { kind: 'cpu'; block: CpuBlock; text: string } | { kind: 'direct'; text: string };

/** Floor of the GEMM's M and N for a pass to take conv_cpu's cpuPlanBlock on a CPU tuning. */
const CPU_MIN = { forward: 64, input: 32, weight: 64 };

/** Floor of the GEMM's M and N for each pass to take it (convChoice). */
const GEMM_MIN = { forward: 128, input: 128, weight: 64 };

/** The tile a plan's GEMMs take: 8×8 outputs per thread, 128×128×16 (16 KiB of workgroup storage). */
export const PLAN_TILE: GemmTile = { TM: 8, TN: 8, BK: 16 };

/**
 * dw's tile on a GPU tuning: 64×64×32 (4×4 per thread, 16 KiB), four times the workgroups of
 * PLAN_TILE, so that a round reaches 16,384 threads with a quarter of the partials.
 */
export const GPU_WEIGHT_TILE: GemmTile = { TM: 4, TN: 4, BK: 32 };

/** The per-thread loop of the direct kernel for a pass (its recorded serial, ops/conv2d.ts). */
const directSerial = (d: ConvDims, pass: 'forward' | 'input') => (pass === 'forward' ? d.C : d.O) * d.KH * d.KW;

/**
 * The rule a plan follows per layer and pass (measured with bench:kernels on lavapipe, see
 * docs/bench/). A CPU tuning: the barrier-free block (cpuPlanBlock, ops/conv_cpu.ts) where
 * the GEMM's M and N are ≥ CPU_MIN (forward and dw 64, dx 32), else the direct kernel; the
 * staged GEMM tiles never (they measured slower there). A GPU tuning (gpu, defaults):
 * the GEMM where its M and N are ≥ 128 (forward, dx) or ≥ 64 (dw, whose direct
 * kernel's partials also grow with the batch); also a forward or dx whose direct
 * kernel would loop more than MAX_SERIAL times per thread (C or O · KH·KW > 256); else the direct
 * kernel (B×T: its channels × pixels per thread), which measured faster on lavapipe. Tiles:
 * PLAN_TILE, its columns narrowed to a short N (32 → 128×32); dw on a GPU tuning GPU_WEIGHT_TILE.
 * A convolution that unpools (conv1x1_pool) keeps the direct backward.
 */
export function convChoice(rt: Runtime, d: ConvDims, pass: 'forward' | 'input' | 'weight', unpool = false): ConvChoice {
  const g = convGemmDims(d, pass);
  const gpu = rt.tuning.kind !== 'cpu';
  if (!gpu && !unpool && g.M >= CPU_MIN[pass] && g.N >= CPU_MIN[pass]) {
    const block = checkBlock(rt, cpuPlanBlock(d, pass), `conv ${pass}`);
    const S = pass === 'weight' ? cpuWeightSplit(d, block).S : 0;
    return { kind: 'cpu', block, text: `${blockText(block)}${S ? `, split ${S}` : ''}` };
  }
  const min = GEMM_MIN[pass];
  const long = gpu && pass !== 'weight' && directSerial(d, pass) > MAX_SERIAL;
  if (!unpool && ((g.M >= min && g.N >= min) || long)) {
    const want = pass === 'weight' && gpu ? GPU_WEIGHT_TILE : { ...PLAN_TILE, TN: g.N <= 32 ? 2 : g.N <= 64 ? 4 : 8 };
    const tile = checkTile(rt, want, `conv ${pass}`);
    const sp = pass === 'weight' ? gemmWeightSplit(rt, d, tile) : null;
    const split = sp ? `, split ${sp.S}${sp.R > 1 ? ` × ${sp.R} rounds` : ''}` : '';
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
