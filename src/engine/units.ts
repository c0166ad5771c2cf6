// How a plan groups layers into units computed together: BatchNorm2d → ReLU (→ Dropout), with
// the Conv2d before it in train mode; a 1×1 Conv2d → MaxPool2d; a classifier head. Each unit is
// a GpuLayer (forward and backward side by side) built from the ops of its layers.
import { convBackward, convDims, convPartialFloats, fusesWithPool } from './conv-layer';
import { batchNorm, type GpuLayer, type LayerCtx, type Mode } from './layers';
import { bnBackward, bnForward, bnScratchFloats, type BnFusion } from './ops/batchnorm';
import { conv1x1Pool, conv2dForward, convStatsGroups } from './ops/conv2d';
import { headBackward, headFits, headForward, headGroups, type HeadDims } from './ops/head';
import { plainPoolK, type LayerInfo } from './spec';
import { numel } from './tensor';
import type { Tuning } from './tuning';

/**
 * A 1×1 Conv2d → MaxPool2d: one dispatch forward (conv1x1_pool: the convolution's output is
 * never stored, only the pooled maxima and their positions), and the convolution's backward reads
 * the pool's gradient through the kept positions (Unpool): no maxpool dispatches.
 */
function convPool(conv: Extract<LayerInfo, { type: 'Conv2d' }>, pool: Extract<LayerInfo, { type: 'MaxPool2d' }>): GpuLayer {
  const K = plainPoolK(pool)!; // fusesWithPool checked it
  const arg = (c: LayerCtx) => c.scratch('argmax', 4 * c.N * numel(pool.outShape));
  return {
    info: conv,
    forward: (c) => [
      conv1x1Pool(
        c.rt,
        convDims(conv, c.N),
        K,
        c.x.buf,
        c.paramAt(conv.index, 'weight'),
        c.y.buf,
        arg(c),
        conv.bias ? c.paramAt(conv.index, 'bias') : undefined,
      ),
    ],
    backward: (c) => convBackward(c, conv, c.dy.buf, c.x.buf, c.dx?.buf ?? null, { K, arg: arg(c) }),
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
      const b = { step: c.step, x: out, gamma: c.paramAt(bn.index, 'weight'), beta: c.paramAt(bn.index, 'bias'), y: c.y.buf };
      return [f, ...bnForward(c.rt, bnDims(c.N), fusion, { ...b, batchStats: c.batchStats(bn.index), partial: stats, aux: aux(c) }, convStatsGroups(c.rt, d))];
    },
    backward: (c) => {
      const out = c.scratch('conv out', size(c.N));
      const dOut = c.scratch('conv out grad', size(c.N));
      return [
        ...bnBackward(c.rt, bnDims(c.N), fusion, {
          train: true,
          step: c.step,
          x: out,
          gamma: c.paramAt(bn.index, 'weight'),
          beta: c.paramAt(bn.index, 'bias'),
          dy: c.dy.buf,
          dx: dOut,
          dgamma: c.gradAt(bn.index, 'weight'),
          dbeta: c.gradAt(bn.index, 'bias'),
          aux: aux(c),
        }),
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
    b?.type === 'Conv2d' && !b.general && b.kh === 1 && b.kw === 1 && b.ph === 0 && b.pw === 0 && c?.type === 'Flatten'
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
 * in train mode together with a Conv2d before it, and so do a 1×1 Conv2d → MaxPool2d (where the
 * Tuning says fuseConvPool) and a classifier head (GAP → 1×1 conv / Linear → LogSoftmax).
 */
export function planUnits(layers: GpuLayer[], mode: Mode, tuning: Pick<Tuning, 'fuseConvPool'>): Unit[] {
  const units: Unit[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i].info;
    const next = layers[i + 1]?.info;
    // Not on a CPU adapter: re-deriving the pool's routing for every read of dy costs it more
    // than the two dispatches it saves (lavapipe: the 1×1 backward took ~4× longer).
    if (tuning.fuseConvPool && l.type === 'Conv2d' && !l.general && fusesWithPool(l, next)) {
      units.push({ first: i, last: i + 1, layer: convPool(l, next) });
      i += 1;
    } else if (mode === 'train' && l.type === 'Conv2d' && !l.general && next?.type === 'BatchNorm2d' && layers[i + 2]?.info.type === 'ReLU') {
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
  return Boolean(l.alias) || ((l.info.type === 'Dropout' || l.info.type === 'Dropout2d') && (mode === 'eval' || l.info.p === 0));
}
