// Conv2d as barrier-free register-blocked GEMMs for CPU adapters (shaders/conv_cpu.wgsl, with
// loops over the block; shaders/conv_cpu_unrolled.wgsl, one 16 × 8×16 block written out): forward,
// backward to the input, and backward to the weights split along K = N·OH·OW into partials.
import looped from '../../../shaders/conv_cpu.wgsl?raw';
import unrolled from '../../../shaders/conv_cpu_unrolled.wgsl?raw';
import { kernel } from '../kernel';
import type { Binding, Call, Runtime } from '../runtime';
import { convOutSize, convSizes, type ConvDims, type Partials } from './conv2d';
import { reduceSegments } from './reduce';

/** Lanes per workgroup (WG), outputs per lane along the lanes (TL) and along the uniform axis (TU). */
export interface CpuBlock {
  WG: number;
  TL: number;
  TU: number;
  /** conv_cpu_unrolled.wgsl's block (16 lanes × 8×16 only), every loop over it written out. */
  unrolled?: boolean;
}

/** The written-out block. */
export const UNROLLED_BLOCK: CpuBlock = { WG: 16, TL: 8, TU: 16, unrolled: true };

/** "cpu 64 lanes × 1×8 block": how the plan report names a block. */
export const blockText = (b: CpuBlock) => `cpu ${b.WG} lanes × ${b.TL}×${b.TU} block${b.unrolled ? ', unrolled' : ''}`;

/** Refuse a block the shader cannot run (see conv_cpu.wgsl) or the tuning's invocations exceed. */
export function checkBlock(rt: Runtime, b: CpuBlock, label: string): CpuBlock {
  const ok = (v: number, max: number) => Number.isInteger(v) && v >= 1 && v <= max;
  if (!ok(b.WG, 256) || !ok(b.TL, 8) || !ok(b.TU, 32))
    throw new Error(`${label}: block WG=${b.WG} TL=${b.TL} TU=${b.TU}: WG must be 1–256 lanes, TL 1–8 and TU 1–32 outputs`);
  if (b.unrolled && (b.WG !== 16 || b.TL !== 8 || b.TU !== 16))
    throw new Error(`${label}: the unrolled block is 16 lanes × 8×16 only (conv_cpu_unrolled.wgsl); got WG=${b.WG} TL=${b.TL} TU=${b.TU}`);
  if (b.WG > rt.tuning.maxInvocations)
    throw new Error(
      `${label}: ${blockText(b)} needs ${b.WG} invocations per workgroup; the tuning allows ${rt.tuning.maxInvocations} (maxComputeInvocationsPerWorkgroup)`,
    );
  return b;
}

/** The default block here: 16 lanes (one or two SIMD batches) × 4 outputs along them × 9 along the uniform axis. */
export const CPU_BLOCK: CpuBlock = { WG: 16, TL: 4, TU: 9 };

/**
 * The block a CPU tuning's plan takes for a pass (convChoice): the written-out 16 lanes × 8×16,
 * except dw of under 128 output channels (under one block of lanes: 8 lanes × 8×9, looped).
 * Of the looped blocks bench:kernels timed on lavapipe 16 lanes × 8×16 was the fastest (bigger
 * register blocks on fewer lanes spread each lane's index arithmetic and bounds checks over more
 * multiply-adds); written out, the same block runs 3–4× faster on SwiftShader, whose JIT does not
 * unroll loops, and as fast or faster on lavapipe (docs/bench/README.md).
 */
export function cpuPlanBlock(d: ConvDims, pass: 'forward' | 'input' | 'weight'): CpuBlock {
  return pass === 'weight' && d.O < 128 ? { WG: 8, TL: 8, TU: 9 } : UNROLLED_BLOCK;
}

function params(rt: Runtime, d: ConvDims, chunk = 0) {
  const { OH, OW } = convOutSize(d);
  return rt.params({ u: [d.N, d.C, d.H, d.W, d.O, OH, OW, d.KH, d.KW, d.PH, d.PW, chunk] }, 'conv cpu params');
}

function refuseShape(d: ConvDims, label: string) {
  const { OH, OW } = convOutSize(d);
  if (OH < 1 || OW < 1) throw new Error(`${label}: a ${d.KH}×${d.KW} kernel with padding ${d.PH}, ${d.PW} does not fit a ${d.H}×${d.W} input`);
}

/** The kernel of `pass` for block `b`: the written-out one, or the looped one at b's sizes. */
const cpuKernel = (b: CpuBlock, pass: 'forward' | 'backward_input' | 'backward_weight') =>
  b.unrolled ? kernel(unrolled, `conv_cpu_unrolled_${pass}`) : kernel(looped, `conv_cpu_${pass}`, { WG: b.WG, TL: b.TL, TU: b.TU });

/** y = conv(x, w) (+ b): lanes along the N·OH·OW output pixels, TU output channels per workgroup row. */
export function cpuConv2dForward(rt: Runtime, d: ConvDims, x: Binding, w: Binding, y: Binding, b?: Binding, block = CPU_BLOCK): Call {
  refuseShape(d, 'conv_cpu_forward');
  const k = checkBlock(rt, block, 'conv_cpu_forward');
  const { OH, OW } = convOutSize(d);
  const z = convSizes(d);
  return rt.dispatch({
    kernel: cpuKernel(k, 'forward'),
    bind: { P: params(rt, d), x, w, y, b: b ?? rt.dummy },
    grid: [Math.ceil((d.N * OH * OW) / (k.WG * k.TL)), Math.ceil(d.O / k.TU)],
    constants: { HAS_BIAS: b ? 1 : 0 },
    cost: { bytes: 4 * (z.x + z.w + z.y + (b ? d.O : 0)), flops: 2 * z.macs, serial: d.C * d.KH * d.KW },
  });
}

/** dx = the transposed convolution of dy with w: lanes along the N·H·W input pixels, TU input channels per workgroup row. */
export function cpuConv2dBackwardInput(rt: Runtime, d: ConvDims, dy: Binding, w: Binding, dx: Binding, block = CPU_BLOCK): Call {
  refuseShape(d, 'conv_cpu_backward_input');
  const k = checkBlock(rt, block, 'conv_cpu_backward_input');
  const z = convSizes(d);
  return rt.dispatch({
    kernel: cpuKernel(k, 'backward_input'),
    bind: { P: params(rt, d), dy, w, dx },
    grid: [Math.ceil((d.N * d.H * d.W) / (k.WG * k.TL)), Math.ceil(d.C / k.TU)],
    cost: { bytes: 4 * (z.x + z.w + z.y), flops: 2 * z.macs, serial: d.O * d.KH * d.KW },
  });
}

/**
 * dw's split of K = N·OH·OW: enough chunks for 16 workgroups (a CPU adapter runs one per core at a
 * time, so a few per core even out), never chunks under 256 pixels, and at most max(4× the
 * layer's weights, 2^18) floats of partials.
 */
export function cpuWeightSplit(d: ConvDims, block = CPU_BLOCK): { S: number; chunk: number } {
  const { OH, OW } = convOutSize(d);
  const K = d.N * OH * OW;
  const nw = d.O * d.C * d.KH * d.KW;
  const groups = Math.ceil(d.O / (block.WG * block.TL)) * Math.ceil((d.C * d.KH * d.KW) / block.TU);
  const S0 = Math.max(1, Math.min(Math.ceil(16 / groups), Math.floor(K / 256), Math.floor(Math.max(4 * nw, 1 << 18) / nw)));
  const chunk = Math.ceil(K / S0);
  return { S: Math.ceil(K / chunk), chunk };
}

/** Floats of cpuConv2dWeightPartials' partials (S · O·C·KH·KW; none unsplit). */
export function cpuWeightPartialFloats(d: ConvDims, block = CPU_BLOCK): number {
  const { S } = cpuWeightSplit(d, block);
  return S > 1 ? S * d.O * d.C * d.KH * d.KW : 0;
}

/**
 * dw (M = O, N = C·KH·KW, K = N·OH·OW) in S chunks of K: partial s into `partial` (S·O·C·KH·KW
 * floats; with S = 1 this is dw itself). Returns the reduction still to do.
 */
export function cpuConv2dWeightPartials(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, partial: Binding, block = CPU_BLOCK): Partials {
  refuseShape(d, 'conv_cpu_backward_weight');
  const k = checkBlock(rt, block, 'conv_cpu_backward_weight');
  const sp = cpuWeightSplit(d, k);
  const z = convSizes(d);
  const nw = d.O * d.C * d.KH * d.KW;
  const call = rt.dispatch({
    kernel: cpuKernel(k, 'backward_weight'),
    bind: { P: params(rt, d, sp.chunk), dy, xw: x, dw: partial },
    grid: [Math.ceil(d.O / (k.WG * k.TL)), Math.ceil((d.C * d.KH * d.KW) / k.TU), sp.S],
    cost: { bytes: 4 * (z.x + z.y + sp.S * nw), flops: 2 * z.macs, serial: sp.chunk },
  });
  return { call, count: nw, S: sp.S };
}

/** dw with its own reduction (when split): the partials in `scratch` (cpuWeightPartialFloats). */
export function cpuConv2dBackwardWeight(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch?: Binding, block = CPU_BLOCK): Call[] {
  const { S } = cpuWeightSplit(d, block);
  if (S === 1) return [cpuConv2dWeightPartials(rt, d, dy, x, dw, block).call];
  if (!scratch) throw new Error(`conv_cpu_backward_weight: a K split in ${S} needs a scratch binding of ${cpuWeightPartialFloats(d, block)} floats`);
  const p = cpuConv2dWeightPartials(rt, d, dy, x, scratch, block);
  return [p.call, reduceSegments(rt, 'conv_cpu_weight_reduce', [{ partial: scratch, count: p.count, S: p.S, out: dw }])];
}
