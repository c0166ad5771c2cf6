// One GPU layer per spec type: `forward` and `backward` side by side, each returning the
// dispatches (Calls) for one plan (a batch size and a mode). Buffers come from the plan.
import { activationBackward, activationForward, activationKernels } from './ops/activation';
import { batchnormKernels, bnBackward, bnForward, bnScratchFloats, NO_FUSION, type BnFusion } from './ops/batchnorm';
import {
  biasPartialFloats,
  conv1x1Pool,
  conv2dBackward,
  conv2dBackwardInput,
  conv2dBiasPartials,
  conv2dForward,
  conv2dKernels,
  conv2dWeightPartials,
  convStatsGroups,
  convTile,
  fusedBackward,
  weightPartialFloats,
  type ConvDims,
  type Unpool,
} from './ops/conv2d';
import { dropoutApply, dropoutKernels } from './ops/dropout';
import { gemm, gemmPlan, tileText } from './ops/gemm';
import { convChoice, gemmConv2dBackwardInput, gemmConv2dForward, gemmConv2dWeightPartials, gemmWeightSplit } from './ops/gemm_conv2d';
import { logSoftmaxBackward, logSoftmaxForward, lossKernels } from './ops/loss';
import { columnSum, matmul, matmulKernels } from './ops/matmul';
import { headBackward, headFits, headForward, headGroups, headKernels, type HeadDims } from './ops/head';
import { gapBackward, gapForward, maxpoolBackward, maxpoolForward, poolKernels } from './ops/pool';
import type { Binding, Call, KernelRef, Runtime } from './runtime';
import type { LayerInfo } from './spec';
import { numel, type Tensor } from './tensor';

export type Mode = 'train' | 'eval';

/** What a layer sees of its plan. */
export interface LayerCtx {
  rt: Runtime;
  N: number;
  mode: Mode;
  x: Tensor;
  y: Tensor;
  /** Gradient of the loss w.r.t. y (backward only). */
  dy: Tensor;
  /** Where the gradient w.r.t. x goes; null when nobody needs it (the first layer). */
  dx: Tensor | null;
  param(name: string): Binding;
  grad(name: string): Binding;
  /** A parameter (gradient) of another layer of the unit, by layer index. */
  paramAt(layer: number, name: string): Binding;
  gradAt(layer: number, name: string): Binding;
  /** BatchNorm: this layer's (or `layer`'s) running statistics, [mean.., var..]. */
  runningStats(layer?: number): Binding;
  /** BatchNorm, train mode: where this step's [mean.., unbiased var..] go (see update_apply in shaders/sgd.wgsl). */
  batchStats(layer?: number): Binding;
  /** Per-plan scratch memory of this layer, allocated on first request. */
  scratch(name: string, bytes: number): Binding;
  /** The step uniform (seed, lr, ...), written before each step. */
  step: Binding;
  /** Space for a split reduction's partial sums (floats; the layer's partialFloats reserved it). */
  partials(floats: number): Binding;
  /** out[e] = Σ_s partial[s·count + e], added by the one reduction dispatch at the end of backward. */
  reduceLater(s: { partial: Binding; count: number; S: number; out: Binding }): void;
}

export interface GpuLayer {
  info: LayerInfo;
  /** The output is the input under another shape (Flatten): no buffer, no dispatch. */
  alias?: boolean;
  forward(c: LayerCtx): Call[];
  backward(c: LayerCtx): Call[];
  /** The partials(floats) requests backward will make at batch N (split gradient reductions). */
  partialFloats?(N: number, rt: Runtime): number[];
}

function convDims(l: Extract<LayerInfo, { type: 'Conv2d' }>, N: number): ConvDims {
  return { N, C: l.inC, H: l.inShape[1], W: l.inShape[2], O: l.outC, KH: l.kh, KW: l.kw, PH: l.ph, PW: l.pw };
}

/**
 * A convolution's backward: dx and the first stages of dw (and db); their second stage is the
 * plan's one reduction dispatch.
 */
function convBackward(c: LayerCtx, l: Extract<LayerInfo, { type: 'Conv2d' }>, dy: Binding, x: Binding, dx: Binding | null, unpool?: Unpool): Call[] {
  const d = convDims(l, c.N);
  const calls: Call[] = [];
  const cpu = c.rt.info.isFallback;
  const wc = convChoice(c.rt, d, 'weight', !!unpool);
  const ic = dx ? convChoice(c.rt, d, 'input', !!unpool) : null;
  const weight = c.paramAt(l.index, 'weight');
  let dxDone = false;
  if (wc.kind === 'gemm') {
    // The GEMM's K split is bounded (gemmWeightSplit); unsplit, it writes the gradient itself.
    const split = gemmWeightSplit(c.rt, d, wc.tile);
    const out = c.gradAt(l.index, 'weight');
    const wp = split.S > 1 ? c.partials(split.S * numelW(d)) : out;
    const w = gemmConv2dWeightPartials(c.rt, d, dy, x, wp, { tile: wc.tile, split });
    calls.push(w.call);
    if (split.S > 1) c.reduceLater({ partial: wp, count: w.count, S: w.S, out });
  } else {
    const wp = c.partials(weightPartialFloats(d, undefined, cpu));
    const fused = dx && ic?.kind === 'direct' && fusedBackward(d);
    const w = fused ? conv2dBackward(c.rt, d, dy, weight, dx, x, wp, unpool) : conv2dWeightPartials(c.rt, d, dy, x, wp, undefined, undefined, unpool);
    dxDone = !!fused;
    calls.push(w.call);
    c.reduceLater({ partial: wp, count: w.count, S: w.S, out: c.gradAt(l.index, 'weight') });
  }
  if (l.bias) {
    const bp = c.partials(biasPartialFloats(d, cpu));
    const b = conv2dBiasPartials(c.rt, d, dy, bp, unpool);
    calls.push(b.call);
    c.reduceLater({ partial: bp, count: b.count, S: b.S, out: c.gradAt(l.index, 'bias') });
  }
  if (dx && !dxDone)
    calls.push(ic?.kind === 'gemm' ? gemmConv2dBackwardInput(c.rt, d, dy, weight, dx, ic.tile) : conv2dBackwardInput(c.rt, d, dy, weight, dx, unpool));
  return calls;
}

const numelW = (d: ConvDims) => d.O * d.C * d.KH * d.KW;

/** The partials(floats) requests of convBackward, in its order. */
function convPartialFloats(l: Extract<LayerInfo, { type: 'Conv2d' }>, N: number, rt: Runtime, unpool = false): number[] {
  const d = convDims(l, N);
  const cpu = rt.info.isFallback;
  const wc = convChoice(rt, d, 'weight', unpool);
  const S = wc.kind === 'gemm' ? gemmWeightSplit(rt, d, wc.tile).S : 0;
  const w = wc.kind === 'gemm' ? (S > 1 ? [S * numelW(d)] : []) : [weightPartialFloats(d, undefined, cpu)];
  return l.bias ? [...w, biasPartialFloats(d, cpu)] : w;
}

/** A plain convolution's forward: the GEMM or the direct kernel, as convChoice says. */
function convForward(c: LayerCtx, l: Extract<LayerInfo, { type: 'Conv2d' }>): Call {
  const d = convDims(l, c.N);
  const ch = convChoice(c.rt, d, 'forward');
  const b = l.bias ? c.param('bias') : undefined;
  return ch.kind === 'gemm'
    ? gemmConv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b, ch.tile)
    : conv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b);
}

/**
 * A Linear product: the split-K GEMM where it splits a long reduction (K ≫ M·N, 4096→50) on a
 * GPU tuning; otherwise (and on a CPU adapter, where it measured faster) the matmul kernels.
 */
function linearProduct(
  c: LayerCtx,
  label: string,
  dims: { M: number; N: number; K: number },
  a: Binding,
  b: Binding,
  out: Binding,
  opts: { transA?: boolean; transB?: boolean; bias?: Binding },
): Call[] {
  const p = gemmPlan(c.rt, dims);
  if (c.rt.tuning.kind === 'cpu' || p.S === 1) return [matmul(c.rt, label, dims, a, b, out, opts)];
  return gemm(c.rt, label, dims, a, b, out, { ...opts, scratch: c.scratch(`${label} split`, 4 * p.S * dims.M * dims.N) });
}

export function gpuLayer(info: LayerInfo): GpuLayer {
  switch (info.type) {
    case 'Conv2d': {
      const l = info;
      return {
        info,
        forward: (c) => [convForward(c, l)],
        backward: (c) => convBackward(c, l, c.dy.buf, c.x.buf, c.dx?.buf ?? null),
        partialFloats: (N, rt) => convPartialFloats(l, N, rt),
      };
    }
    case 'BatchNorm2d':
      return batchNorm(info, NO_FUSION);
    case 'ReLU':
    case 'Sigmoid': {
      const kind = info.type === 'ReLU' ? 'relu' : 'sigmoid';
      return {
        info,
        forward: (c) => [activationForward(c.rt, kind, c.x, c.y)],
        backward: (c) => (c.dx ? [activationBackward(c.rt, kind, c.y, c.dy, c.dx)] : []),
      };
    }
    case 'MaxPool2d': {
      const l = info;
      const dims = (N: number) => ({ N, C: l.inShape[0], H: l.inShape[1], W: l.inShape[2], K: l.k });
      const arg = (c: LayerCtx) => c.scratch('argmax', 4 * c.N * numel(l.outShape));
      return {
        info,
        forward: (c) => [maxpoolForward(c.rt, dims(c.N), c.x.buf, c.y.buf, arg(c))],
        backward: (c) => (c.dx ? [maxpoolBackward(c.rt, dims(c.N), c.dy.buf, arg(c), c.dx.buf)] : []),
      };
    }
    case 'AdaptiveAvgPool2d': {
      const l = info;
      const dims = (N: number) => ({ N, C: l.inShape[0], H: l.inShape[1], W: l.inShape[2] });
      return {
        info,
        forward: (c) => [gapForward(c.rt, dims(c.N), c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [gapBackward(c.rt, dims(c.N), c.dy.buf, c.dx.buf)] : []),
      };
    }
    case 'Flatten':
      return { info, alias: true, forward: () => [], backward: () => [] };
    case 'Dropout': {
      const l = info;
      // Eval mode (and p = 0) is the identity: the plan aliases y to x and dispatches nothing.
      return {
        info,
        forward: (c) => [dropoutApply(c.rt, 'dropout_forward', c.N * numel(l.inShape), l.index, l.p, c.step, c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [dropoutApply(c.rt, 'dropout_backward', c.N * numel(l.inShape), l.index, l.p, c.step, c.dy.buf, c.dx.buf)] : []),
      };
    }
    case 'Linear': {
      const l = info;
      return {
        info,
        forward: (c) =>
          linearProduct(c, 'linear_forward', { M: c.N, N: l.outF, K: l.inF }, c.x.buf, c.param('weight'), c.y.buf, {
            transB: true,
            bias: l.bias ? c.param('bias') : undefined,
          }),
        backward: (c) => {
          const calls = linearProduct(c, 'linear_backward_weight', { M: l.outF, N: l.inF, K: c.N }, c.dy.buf, c.x.buf, c.grad('weight'), { transA: true });
          if (l.bias) calls.push(columnSum(c.rt, 'linear_backward_bias', c.N, l.outF, c.dy.buf, c.grad('bias')));
          if (c.dx) calls.push(...linearProduct(c, 'linear_backward_input', { M: c.N, N: l.inF, K: l.outF }, c.dy.buf, c.param('weight'), c.dx.buf, {}));
          return calls;
        },
      };
    }
    case 'LogSoftmax': {
      const C = info.inShape[0];
      return {
        info,
        forward: (c) => [logSoftmaxForward(c.rt, c.N, C, c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [logSoftmaxBackward(c.rt, c.N, C, c.y.buf, c.dy.buf, c.dx.buf)] : []),
      };
    }
  }
}

/**
 * BatchNorm2d, with the ReLU (and Dropout) that follow it computed in the same kernels when
 * `fusion` says so: the unit reads x and writes the last layer's output; backward recomputes the
 * ReLU and Dropout masks instead of storing them.
 */
function batchNorm(l: Extract<LayerInfo, { type: 'BatchNorm2d' }>, fusion: BnFusion): GpuLayer {
  const dims = (N: number) => ({ N, C: l.features, HW: l.inShape[1] * l.inShape[2], eps: l.eps });
  const scratch = (c: LayerCtx) => {
    const f = bnScratchFloats(c.rt, dims(c.N));
    return { partial: c.scratch('partial', 4 * f.partial), aux: c.scratch('aux', 4 * f.aux) };
  };
  return {
    info: l,
    forward: (c) => {
      const s = scratch(c);
      const stats =
        c.mode === 'train' ? { batchStats: c.batchStats(), partial: s.partial, aux: s.aux } : { running: c.runningStats(), partial: s.partial, aux: s.aux };
      return bnForward(c.rt, dims(c.N), fusion, c.mode === 'train', c.step, c.x.buf, c.param('weight'), c.param('bias'), c.y.buf, stats);
    },
    backward: (c) =>
      bnBackward(
        c.rt,
        dims(c.N),
        fusion,
        c.mode === 'train',
        c.step,
        c.x.buf,
        c.param('weight'),
        c.param('bias'),
        c.dy.buf,
        c.dx?.buf ?? null,
        c.grad('weight'),
        c.grad('bias'),
        scratch(c).aux,
      ),
  };
}

/**
 * A 1×1 Conv2d → MaxPool2d: one dispatch forward (conv1x1_pool: the convolution's output is
 * never stored, only the pooled maxima and their positions), and the convolution's backward reads
 * the pool's gradient through the kept positions (Unpool): no maxpool dispatches.
 */
function convPool(conv: Extract<LayerInfo, { type: 'Conv2d' }>, pool: Extract<LayerInfo, { type: 'MaxPool2d' }>): GpuLayer {
  const arg = (c: LayerCtx) => c.scratch('argmax', 4 * c.N * numel(pool.outShape));
  return {
    info: conv,
    forward: (c) => [
      conv1x1Pool(
        c.rt,
        convDims(conv, c.N),
        pool.k,
        c.x.buf,
        c.paramAt(conv.index, 'weight'),
        c.y.buf,
        arg(c),
        conv.bias ? c.paramAt(conv.index, 'bias') : undefined,
      ),
    ],
    backward: (c) => convBackward(c, conv, c.dy.buf, c.x.buf, c.dx?.buf ?? null, { K: pool.k, arg: arg(c) }),
    partialFloats: (N, rt) => convPartialFloats(conv, N, rt, true),
  };
}

/**
 * Conv2d → BatchNorm2d (→ ReLU (→ Dropout)) in train mode: the convolution's output is kept in
 * the unit's scratch, and its forward kernel also writes the BatchNorm's partial statistics
 * (conv2d_forward_stats), so the BatchNorm never reads it again to get them: 2 dispatches forward
 * (3 unfused), and backward is the BatchNorm's then the convolution's.
 */
function convBatchNorm(conv: Extract<LayerInfo, { type: 'Conv2d' }>, bn: Extract<LayerInfo, { type: 'BatchNorm2d' }>, fusion: BnFusion): GpuLayer {
  const bnDims = (N: number) => ({ N, C: bn.features, HW: bn.inShape[1] * bn.inShape[2], eps: bn.eps });
  const size = (N: number) => 4 * N * numel(conv.outShape);
  const aux = (c: LayerCtx) => c.scratch('aux', 4 * bnScratchFloats(c.rt, bnDims(c.N)).aux);
  return {
    info: conv,
    forward: (c) => {
      const d = convDims(conv, c.N);
      const out = c.scratch('conv out', size(c.N));
      const stats = c.scratch('partial', 4 * 3 * conv.outC * convStatsGroups(c.rt, d));
      const f = conv2dForward(c.rt, d, c.x.buf, c.paramAt(conv.index, 'weight'), out, conv.bias ? c.paramAt(conv.index, 'bias') : undefined, stats);
      return [
        f,
        ...bnForward(
          c.rt,
          bnDims(c.N),
          fusion,
          true,
          c.step,
          out,
          c.paramAt(bn.index, 'weight'),
          c.paramAt(bn.index, 'bias'),
          c.y.buf,
          { batchStats: c.batchStats(bn.index), partial: stats, aux: aux(c) },
          convStatsGroups(c.rt, d),
        ),
      ];
    },
    backward: (c) => {
      const out = c.scratch('conv out', size(c.N));
      const dOut = c.scratch('conv out grad', size(c.N));
      return [
        ...bnBackward(
          c.rt,
          bnDims(c.N),
          fusion,
          true,
          c.step,
          out,
          c.paramAt(bn.index, 'weight'),
          c.paramAt(bn.index, 'bias'),
          c.dy.buf,
          dOut,
          c.gradAt(bn.index, 'weight'),
          c.gradAt(bn.index, 'bias'),
          aux(c),
        ),
        ...convBackward(c, conv, dOut, c.x.buf, c.dx?.buf ?? null),
      ];
    },
    partialFloats: (N, rt) => convPartialFloats(conv, N, rt),
  };
}

/**
 * The classifier head AdaptiveAvgPool2d → Conv2d 1×1 → Flatten → LogSoftmax (or AdaptiveAvgPool2d
 * → Flatten → Linear → LogSoftmax) as one unit: one dispatch forward, one backward.
 */
function head(gap: Extract<LayerInfo, { type: 'AdaptiveAvgPool2d' }>, lin: Extract<LayerInfo, { type: 'Conv2d' | 'Linear' }>): GpuLayer {
  const dims = (N: number): HeadDims => ({ N, C: gap.inShape[0], HW: gap.inShape[1] * gap.inShape[2], O: lin.type === 'Conv2d' ? lin.outC : lin.outF });
  const pooled = (c: LayerCtx) => c.scratch('pooled', 4 * c.N * gap.inShape[0]);
  return {
    info: gap,
    forward: (c) => [
      headForward(c.rt, dims(c.N), c.x.buf, c.paramAt(lin.index, 'weight'), lin.bias ? c.paramAt(lin.index, 'bias') : undefined, pooled(c), c.y.buf),
    ],
    backward: (c) => {
      const d = dims(c.N);
      // A head that is the first unit with parameters still computes dx (into scratch nobody reads).
      const dx = c.dx?.buf ?? c.scratch('unused dx', 4 * c.N * d.C * d.HW);
      const pw = c.partials(d.O * d.C * headGroups(d));
      const pb = lin.bias ? c.partials(d.O * headGroups(d)) : null;
      const h = headBackward(c.rt, d, c.dy.buf, c.y.buf, pooled(c), c.paramAt(lin.index, 'weight'), dx, pw, pb);
      c.reduceLater({ partial: pw, ...h.weight, out: c.gradAt(lin.index, 'weight') });
      if (pb) c.reduceLater({ partial: pb, ...h.bias, out: c.gradAt(lin.index, 'bias') });
      return [h.call];
    },
    partialFloats: (N) => {
      const d = dims(N);
      return lin.bias ? [d.O * d.C * headGroups(d), d.O * headGroups(d)] : [d.O * d.C * headGroups(d)];
    },
  };
}

/** The layers of a classifier head starting at i (see head()), or null. */
function headAt(
  layers: GpuLayer[],
  i: number,
): { gap: Extract<LayerInfo, { type: 'AdaptiveAvgPool2d' }>; lin: Extract<LayerInfo, { type: 'Conv2d' | 'Linear' }>; last: number } | null {
  const [a, b, c, d] = [0, 1, 2, 3].map((k) => layers[i + k]?.info);
  if (a?.type !== 'AdaptiveAvgPool2d' || d?.type !== 'LogSoftmax') return null;
  const lin =
    b?.type === 'Conv2d' && b.kh === 1 && b.kw === 1 && b.ph === 0 && b.pw === 0 && c?.type === 'Flatten'
      ? b
      : b?.type === 'Flatten' && c?.type === 'Linear'
        ? c
        : null;
  if (!lin || !headFits({ C: a.inShape[0], HW: a.inShape[1] * a.inShape[2], O: d.inShape[0] })) return null;
  return { gap: a, lin, last: i + 3 };
}

/** Layers first..last computed as one: a single layer, BatchNorm2d → ReLU (→ Dropout), or a classifier head. */
export interface Unit {
  first: number;
  last: number;
  layer: GpuLayer;
}

/**
 * How a plan groups the layers: BatchNorm2d followed by ReLU (and, training, Dropout) runs fused,
 * in train mode together with a Conv2d before it, and so do a 1×1 Conv2d → MaxPool2d (not on a
 * CPU adapter, `cpu`) and a classifier head (GAP → 1×1 conv / Linear → LogSoftmax).
 */
export function planUnits(layers: GpuLayer[], mode: Mode, cpu = false): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i].info;
    const next = layers[i + 1]?.info;
    // Not on a CPU adapter: re-deriving the pool's routing for every read of dy costs it more
    // than the two dispatches it saves (lavapipe: the 1×1 backward took ~4× longer).
    if (!cpu && l.type === 'Conv2d' && l.kh === 1 && l.kw === 1 && l.ph === 0 && l.pw === 0 && next?.type === 'MaxPool2d') {
      units.push({ first: i, last: i + 1, layer: convPool(l, next) });
      i += 1;
    } else if (mode === 'train' && l.type === 'Conv2d' && next?.type === 'BatchNorm2d' && layers[i + 2]?.info.type === 'ReLU') {
      const d = layers[i + 3]?.info;
      const drop = d?.type === 'Dropout' && d.p > 0 ? d : null;
      units.push({
        first: i,
        last: i + (drop ? 3 : 2),
        layer: convBatchNorm(l, next, { relu: true, dropout: drop ? { layer: drop.index, p: drop.p } : null }),
      });
      i += drop ? 3 : 2;
    } else if (l.type === 'BatchNorm2d' && layers[i + 1]?.info.type === 'ReLU') {
      const d = layers[i + 2]?.info;
      const drop = mode === 'train' && d?.type === 'Dropout' && d.p > 0 ? d : null;
      units.push({ first: i, last: i + (drop ? 2 : 1), layer: batchNorm(l, { relu: true, dropout: drop ? { layer: drop.index, p: drop.p } : null }) });
      i += drop ? 2 : 1;
    } else if (headAt(layers, i)) {
      const h = headAt(layers, i)!;
      units.push({ first: i, last: h.last, layer: head(h.gap, h.lin) });
      i = h.last;
    } else units.push({ first: i, last: i, layer: layers[i] });
  }
  return units;
}

/** A layer whose output is its input in this mode (no buffer, no dispatch). */
export function isIdentity(l: GpuLayer, mode: Mode): boolean {
  return Boolean(l.alias) || (l.info.type === 'Dropout' && (mode === 'eval' || l.info.p === 0));
}

/** Every pipeline a model of these layers may use, to compile up front (Runtime.precompile). */
export function layerKernels(infos: LayerInfo[]): KernelRef[] {
  const convs = infos.flatMap((l) => (l.type === 'Conv2d' ? [{ H: l.inShape[1], W: l.inShape[2], KH: l.kh, KW: l.kw, PH: l.ph, PW: l.pw }] : []));
  const byType: Record<LayerInfo['type'], KernelRef[]> = {
    Conv2d: conv2dKernels(convs),
    BatchNorm2d: batchnormKernels,
    ReLU: activationKernels.filter((k) => k.entry.startsWith('relu')),
    Sigmoid: activationKernels.filter((k) => k.entry.startsWith('sigmoid')),
    MaxPool2d: poolKernels.filter((k) => k.entry.startsWith('maxpool')),
    AdaptiveAvgPool2d: [...poolKernels.filter((k) => k.entry.startsWith('gap')), ...headKernels],
    Flatten: [],
    Dropout: dropoutKernels,
    Linear: matmulKernels,
    LogSoftmax: lossKernels.filter((k) => k.entry.startsWith('log_softmax')),
  };
  // Only the variants this spec's training and evaluation plans build (an evaluation plan records
  // its backward too); others compile on first use: BatchNorm's fusions, biases.
  const bn = infos.flatMap((l, i) => {
    if (l.type !== 'BatchNorm2d') return [];
    const relu = infos[i + 1]?.type === 'ReLU';
    const d = infos[i + 2];
    return [{ RELU: relu ? 1 : 0, DROPOUT: relu && d?.type === 'Dropout' && d.p > 0 ? 1 : 0 }];
  });
  const firstWithParams = infos.find((l) => l.params.length > 0);
  const bias = infos.some((l) => (l.type === 'Conv2d' || l.type === 'Linear') && l.bias);
  const used = (k: KernelRef) => {
    const c = k.constants ?? {};
    if (k.code === batchnormKernels[0].code && 'TRAIN' in c) {
      const train = c.TRAIN === 1;
      if (c.HAS_DX === 0 && firstWithParams?.type !== 'BatchNorm2d') return false;
      return bn.some((f) => f.RELU === c.RELU && (train ? f.DROPOUT : 0) === c.DROPOUT);
    }
    if (c.HAS_BIAS === 1 && !k.entry.startsWith('matmul')) return bias;
    return true;
  };
  const seen = new Set<string>();
  return infos
    .flatMap((l) => byType[l.type])
    .filter((k) => {
      const key = `${k.entry}:${JSON.stringify(k.constants ?? {})}:${k.code}`;
      if (seen.has(key) || !used(k)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The kernel rule each Conv2d and Linear of a training plan follows at batch N (printed with the
 * plan report): "layer 9 Conv2d 128→256: forward gemm 128×128×16 tile; dx …; dw …".
 */
export function layerRules(rt: Runtime, infos: LayerInfo[], N: number): string[] {
  const cpu = rt.info.isFallback;
  const first = infos.findIndex((l) => l.params.length > 0);
  return infos.flatMap((l, i) => {
    const next = infos[i + 1];
    if (l.type === 'Conv2d') {
      const d = convDims(l, N);
      const pooled = !cpu && l.kh === 1 && l.kw === 1 && l.ph === 0 && l.pw === 0 && next?.type === 'MaxPool2d';
      const bn = next?.type === 'BatchNorm2d' && infos[i + 2]?.type === 'ReLU';
      const inHead = infos[i - 1]?.type === 'AdaptiveAvgPool2d' && infos[i + 1]?.type === 'Flatten';
      if (inHead) return [`layer ${i} Conv2d ${l.inC}→${l.outC}: the fused classifier head`];
      const fwd = pooled
        ? 'forward conv1x1_pool (direct)'
        : bn
          ? `forward direct ${convTile(rt, d).B}×${convTile(rt, d).T} with the BatchNorm statistics epilogue`
          : null;
      const passes = [
        fwd ?? `forward ${convChoice(rt, d, 'forward').text}`,
        ...(i > first ? [`dx ${convChoice(rt, d, 'input', pooled).text}`] : []),
        `dw ${convChoice(rt, d, 'weight', pooled).text}`,
      ];
      return [`layer ${i} Conv2d ${l.inC}→${l.outC} ${l.kh}×${l.kw} at ${l.inShape[1]}×${l.inShape[2]}: ${passes.join('; ')}`];
    }
    if (l.type === 'Linear') {
      if (infos[i - 1]?.type === 'Flatten' && infos[i - 2]?.type === 'AdaptiveAvgPool2d' && next?.type === 'LogSoftmax')
        return [`layer ${i} Linear ${l.inF}→${l.outF}: the fused classifier head`];
      const text = (dims: { M: number; N: number; K: number }) => {
        const p = gemmPlan(rt, dims);
        return rt.tuning.kind === 'cpu' || p.S === 1 ? 'matmul' : `${tileText(p.tile)}, split ${p.S}`;
      };
      const passes = [
        `forward ${text({ M: N, N: l.outF, K: l.inF })}`,
        ...(i > first ? [`dx ${text({ M: N, N: l.inF, K: l.outF })}`] : []),
        `dw ${text({ M: l.outF, N: l.inF, K: N })}`,
      ];
      return [`layer ${i} Linear ${l.inF}→${l.outF}: ${passes.join('; ')}`];
    }
    return [];
  });
}
