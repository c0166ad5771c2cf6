import { describe, expect, it } from 'vitest';
import { gapBackward, gapForward, maxpoolBackward, maxpoolForward } from '../src/engine/ops/pool';
import * as ref from '../src/engine/reference/pool';
import { makeRng } from '../src/engine/rng';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

const shapes = [
  { N: 1, C: 1, H: 2, W: 2 },
  { N: 2, C: 3, H: 5, W: 7 }, // odd sizes: floor drops the last row/column
  { N: 4, C: 16, H: 24, W: 24 },
];

describe('MaxPool2d and AdaptiveAvgPool2d kernels vs float64 reference', () => {
  for (const s of shapes)
    for (const K of [2, 3]) {
      if (s.H < K || s.W < K) continue;
      it(`maxpool K=${K} ${JSON.stringify(s)}`, async () => {
        const rt = await runtime();
        const rand = makeRng(s.H * K + s.C);
        const n = s.N * s.C * s.H * s.W;
        const OH = Math.floor(s.H / K);
        const OW = Math.floor(s.W / K);
        const no = s.N * s.C * OH * OW;
        const x = randn(n, rand);
        const dy = randn(no, rand);
        const [X, DY] = [x, dy].map((a) => rt.upload(a));
        const [Y, ARG, DX] = [no, no, n].map((k) => rt.buffer(4 * k));
        const d = { ...s, K };
        rt.run([maxpoolForward(rt, d, X, Y, ARG), maxpoolBackward(rt, d, DY, ARG, DX)]);
        const f = ref.maxpoolForward(x, s, K);
        expect(worst(await rt.readF32(Y, no), f.y, 0, 0)).toBeLessThanOrEqual(1);
        expect([...(await rt.readU32(ARG, no))]).toEqual([...f.arg]);
        expect(worst(await rt.readF32(DX, n), ref.maxpoolBackward(dy, f.arg, n), 0, 0)).toBeLessThanOrEqual(1);
      });
    }

  it('maxpool picks the first of equal maxima, as PyTorch does', async () => {
    const rt = await runtime();
    const x = rt.upload(new Float32Array([1, 1, 1, 1]));
    const [Y, ARG, DX] = [1, 1, 4].map((k) => rt.buffer(4 * k));
    const d = { N: 1, C: 1, H: 2, W: 2, K: 2 };
    rt.run([maxpoolForward(rt, d, x, Y, ARG), maxpoolBackward(rt, d, rt.upload(new Float32Array([5])), ARG, DX)]);
    expect([...(await rt.readF32(DX, 4))]).toEqual([5, 0, 0, 0]);
  });

  for (const s of shapes)
    it(`global average pool ${JSON.stringify(s)}`, async () => {
      const rt = await runtime();
      const rand = makeRng(s.W);
      const n = s.N * s.C * s.H * s.W;
      const x = randn(n, rand);
      const dy = randn(s.N * s.C, rand);
      const [X, DY] = [x, dy].map((a) => rt.upload(a));
      const [Y, DX] = [s.N * s.C, n].map((k) => rt.buffer(4 * k));
      rt.run([gapForward(rt, s, X, Y), gapBackward(rt, s, DY, DX)]);
      expect(worst(await rt.readF32(Y, s.N * s.C), ref.gapForward(x, s), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, n), ref.gapBackward(dy, s), 1e-7, 1e-6)).toBeLessThanOrEqual(1);
    });
});

describe('pooling reference backward vs finite differences', () => {
  const s = { N: 2, C: 2, H: 5, W: 4 };
  it('maxpool (distinct values, away from ties)', () => {
    const rand = makeRng(3);
    const x = Float64Array.from({ length: 80 }, (_, i) => i * 0.01 + rand() * 0.001).sort(() => rand() - 0.5);
    const f = ref.maxpoolForward(x, s, 2);
    const r = randArray(f.y.length, rand);
    const [num] = numericGrads(([x]) => ref.maxpoolForward(x, s, 2).y, [x], r, 1e-7);
    expect(maxRelErr(ref.maxpoolBackward(r, f.arg, x.length), num)).toBeLessThan(1e-5);
  });
  it('global average pool', () => {
    const rand = makeRng(4);
    const x = randArray(80, rand);
    const r = randArray(4, rand);
    const [num] = numericGrads(([x]) => ref.gapForward(x, s), [x], r);
    expect(maxRelErr(ref.gapBackward(r, s), num)).toBeLessThan(1e-6);
  });
});
