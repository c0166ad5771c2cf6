// GroupNorm and LayerNorm: the WGSL kernels (forward, dx, the dγ/dβ partials summed here) against
// the float64 reference at odd shapes, batch 1, G = 1 and G = C, rows longer than a workgroup,
// parameters over more than 256 values (two spans), no affine; the reference's backward against
// central finite differences. (PyTorch's answers: fixtures/gradients/groupnorm_*, layernorm_*.)
import { describe, expect, it } from 'vitest';
import { normBackwardInput, normForward, normParams, normSplit, normWeightPartials, type NormDims } from '../src/engine/ops/norm';
import * as ref from '../src/engine/reference/norm';
import { makeRng } from '../src/engine/rng';
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
