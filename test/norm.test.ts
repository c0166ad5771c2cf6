// GroupNorm and LayerNorm: the WGSL kernels (forward, dx, the dγ/dβ partials summed here) against
// the float64 reference at odd shapes, batch 1, G = 1 and G = C, rows longer than a workgroup,
// parameters over more than 256 values (two spans), no affine; the reference's backward against
// central finite differences. (PyTorch's answers: fixtures/gradients/groupnorm_*, layernorm_*.)
import { describe, expect, it } from 'vitest';
import { normBackwardInput, normForward, normParams, normSplit, normWeightPartials, type NormDims } from '../src/engine/ops/norm';
import * as ref from '../src/engine/reference/norm';
import { makeRng } from '../src/engine/rng';
import { parseSpec } from '../src/engine/spec';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

/** GroupNorm(G, C) over [C, H, W]: rows of (C/G)·H·W, a parameter per channel. */
const gn = (N: number, C: number, G: number, HW: number, affine = true): NormDims => ({ N, G, D: (C / G) * HW, A: HW, eps: 1e-5, affine });
/** LayerNorm over D values: one row per sample, a parameter per value. */
const ln = (N: number, D: number, affine = true): NormDims => ({ N, G: 1, D, A: 1, eps: 1e-5, affine });

const cases: [string, NormDims][] = [
  ['GroupNorm(3, 6) 5×7, N=3', gn(3, 6, 3, 35)],
  ['GroupNorm(1, 4) 3×3, batch 1', gn(1, 4, 1, 9)],
  ['GroupNorm(5, 5) 2×3 (G = C)', gn(2, 5, 5, 6)],
  ['GroupNorm(2, 16) 17×17 (a channel over two spans, rows of 2312)', gn(3, 16, 2, 289)],
  ['GroupNorm(2, 4) no affine', gn(2, 4, 2, 10, false)],
  ['LayerNorm([3, 5, 7]), batch 1', ln(1, 105)],
  ['LayerNorm([10]) after a Linear, N=300 (two sample chunks)', ln(300, 10)],
  ['LayerNorm([16, 6, 6]) no affine', ln(2, 576, false)],
];

describe('GroupNorm and LayerNorm kernels vs float64 reference', () => {
  for (const [name, d] of cases)
    it(name, async () => {
      const rt = await runtime();
      const rand = makeRng(d.D + d.N);
      const n = d.N * d.G * d.D;
      const P = normParams(d);
      const x = randn(n, rand).map((v) => 2 * v + 0.5);
      const dy = randn(n, rand);
      const gamma = randn(P, rand).map((v) => 1 + 0.2 * v);
      const beta = randn(P, rand).map((v) => 0.1 * v);
      const [X, DY, GA, BE] = [x, dy, gamma, beta].map((a) => rt.upload(a));
      const { S } = normSplit(d);
      const [Y, ST, DX, PW, PB] = [n, 2 * d.N * d.G, n, S * P, S * P].map((k) => rt.buffer(4 * k));
      const aff = d.affine ? { gamma: GA, beta: BE } : {};
      const w = normWeightPartials(rt, d, { x: X, dy: DY, stats: ST, partial_w: PW, partial_b: PB });
      rt.run([normForward(rt, d, { x: X, ...aff, y: Y, stats: ST }), normBackwardInput(rt, d, { x: X, ...aff, dy: DY, stats: ST, dx: DX }), w.call]);
      const g = d.affine ? gamma : undefined;
      const f = ref.normForward(x, d, g, d.affine ? beta : undefined);
      const b = ref.normBackward(x, dy, d, g);
      expect(worst(await rt.readF32(Y, n), f.y, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, n), b.dx, 1e-5, 1e-4)).toBeLessThanOrEqual(1);
      const sum = async (buf: GPUBuffer) => {
        const p = await rt.readF32(buf, S * P);
        return Float64Array.from({ length: P }, (_, a) => Array.from({ length: S }, (_, s) => p[s * P + a]).reduce((t, v) => t + v, 0));
      };
      expect(worst(await sum(PW), b.dgamma, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
      expect(worst(await sum(PB), b.dbeta, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
});

describe('GroupNorm and LayerNorm reference backward vs finite differences', () => {
  for (const [name, d] of [cases[0], cases[2], cases[4], cases[5]])
    it(name, () => {
      const rand = makeRng(11 + d.D);
      const n = d.N * d.G * d.D;
      const P = normParams(d);
      const x = randArray(n, rand);
      const gamma = randArray(P, rand);
      const beta = randArray(P, rand);
      const r = randArray(n, rand);
      const b = ref.normBackward(x, r, d, d.affine ? gamma : undefined);
      if (!d.affine) {
        const [num] = numericGrads(([x]) => ref.normForward(x, d).y, [x], r);
        expect(maxRelErr(b.dx, num)).toBeLessThan(1e-6);
        return;
      }
      const [nx, ng, nb] = numericGrads(([x, g, be]) => ref.normForward(x, d, g, be).y, [x, gamma, beta], r);
      expect(maxRelErr(b.dx, nx)).toBeLessThan(1e-6);
      expect(maxRelErr(b.dgamma, ng)).toBeLessThan(1e-6);
      expect(maxRelErr(b.dbeta, nb)).toBeLessThan(1e-6);
    });
});

describe('GroupNorm and LayerNorm in the spec', () => {
  const at = (l: Record<string, unknown>, inShape = [6, 5, 7]) => parseSpec([l], inShape)[0];
  it('names and shapes the parameters as PyTorch does (state_dict N.weight, N.bias; LayerNorm: normalized_shape)', () => {
    const g = at({ type: 'GroupNorm', num_groups: 3, num_channels: 6 });
    expect(g.params.map((p) => [p.key, p.shape])).toEqual([
      ['0.weight', [6]],
      ['0.bias', [6]],
    ]);
    expect(g.buffers).toEqual([]);
    expect(g.outShape).toEqual([6, 5, 7]);
    const l = at({ type: 'LayerNorm', normalized_shape: [6, 5, 7] });
    expect(l.params.map((p) => [p.key, p.shape])).toEqual([
      ['0.weight', [6, 5, 7]],
      ['0.bias', [6, 5, 7]],
    ]);
    expect(at({ type: 'LayerNorm', normalized_shape: 10 }, [10]).params.map((p) => p.shape)).toEqual([[10], [10]]);
    expect(at({ type: 'LayerNorm', normalized_shape: [10], elementwise_affine: false }, [10]).params).toEqual([]);
    expect(at({ type: 'GroupNorm', num_groups: 2, num_channels: 6, affine: false }).params).toEqual([]);
  });
  it.each<[Record<string, unknown>, number[], string]>([
    [{ type: 'GroupNorm', num_groups: 4, num_channels: 6 }, [6, 5, 7], 'layer 0 (GroupNorm): num_channels 6 is not divisible by num_groups 4'],
    [
      { type: 'GroupNorm', num_groups: 2, num_channels: 8 },
      [6, 5, 7],
      'layer 0 (GroupNorm): expects input [8, H, W] or [8] (num_channels = 8), but gets [6, 5, 7] (the model input)',
    ],
    [{ type: 'GroupNorm', num_groups: 0, num_channels: 6 }, [6, 5, 7], 'layer 0 (GroupNorm): num_groups must be a positive integer, got 0'],
    [{ type: 'GroupNorm', num_groups: 2, num_channels: 6, eps: 0 }, [6, 5, 7], 'layer 0 (GroupNorm): eps must be a positive number, got 0'],
    [{ type: 'GroupNorm', num_groups: 2, num_channels: 6, affine: 1 }, [6, 5, 7], 'layer 0 (GroupNorm): affine must be true or false'],
    [
      { type: 'LayerNorm', normalized_shape: [5, 7] },
      [6, 5, 7],
      'layer 0 (LayerNorm): normalized_shape [5, 7] is not the whole shape of its input, [6, 5, 7] (the model input); the engine normalizes over all of it: normalized_shape [6, 5, 7]',
    ],
    [
      { type: 'LayerNorm', normalized_shape: 7 },
      [6, 5, 7],
      'layer 0 (LayerNorm): normalized_shape [7] is not the whole shape of its input, [6, 5, 7] (the model input); the engine normalizes over all of it: normalized_shape [6, 5, 7]',
    ],
    [{ type: 'LayerNorm', normalized_shape: [] }, [6, 5, 7], 'layer 0 (LayerNorm): normalized_shape must be a positive integer or a list of them, got []'],
    [{ type: 'LayerNorm', normalized_shape: 10, elementwise_affine: 'yes' }, [10], 'layer 0 (LayerNorm): elementwise_affine must be true or false'],
  ])('refuses %j on %j', (l, inShape, message) => {
    expect(() => at(l, inShape)).toThrow(message);
  });
});
