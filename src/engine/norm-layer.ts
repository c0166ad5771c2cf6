// GroupNorm and LayerNorm as GPU layers: the same kernels (shaders/norm.wgsl), rows of a sample
// normalized; the same in train and eval (no running statistics).
import type { GpuLayer, LayerCtx } from './layers';
import { normBackwardInput, normForward, normParams, normSplit, normWeightPartials, type NormDims } from './ops/norm';
import type { LayerInfo } from './spec';
import { numel } from './tensor';

type Norm = Extract<LayerInfo, { type: 'GroupNorm' | 'LayerNorm' }>;

/** GroupNorm: G rows of (C/G)·H·W, a parameter per channel; LayerNorm: one row, a parameter per value. */
export function normDims(l: Norm, N: number): NormDims {
  const per = numel(l.inShape);
  if (l.type === 'GroupNorm') return { N, G: l.groups, D: per / l.groups, A: per / l.channels, eps: l.eps, affine: l.affine };
  return { N, G: 1, D: per, A: 1, eps: l.eps, affine: l.affine };
}

export function normLayer(l: Norm): GpuLayer {
  const stats = (c: LayerCtx) => c.scratch('stats', 4 * 2 * c.N * normDims(l, 1).G);
  const affine = (c: LayerCtx) => (l.affine ? { gamma: c.param('weight'), beta: c.param('bias') } : {});
  return {
    info: l,
    forward: (c) => [normForward(c.rt, normDims(l, c.N), { x: c.x.buf, ...affine(c), y: c.y.buf, stats: stats(c) })],
    backward: (c) => {
      const d = normDims(l, c.N);
      const calls = [];
      if (l.affine) {
        const P = normParams(d);
        const { S } = normSplit(d);
        const [pw, pb] = [c.partials(S * P), c.partials(S * P)];
        const w = normWeightPartials(c.rt, d, { x: c.x.buf, dy: c.dy.buf, stats: stats(c), partial_w: pw, partial_b: pb });
        calls.push(w.call);
        c.reduceLater({ partial: pw, count: w.count, S: w.S, out: c.grad('weight') });
        c.reduceLater({ partial: pb, count: w.count, S: w.S, out: c.grad('bias') });
      }
      if (c.dx) calls.push(normBackwardInput(c.rt, d, { x: c.x.buf, ...affine(c), dy: c.dy.buf, stats: stats(c), dx: c.dx.buf }));
      return calls;
    },
    partialFloats: (N) => {
      if (!l.affine) return [];
      const d = normDims(l, N);
      const f = normSplit(d).S * normParams(d);
      return [f, f];
    },
  };
}
