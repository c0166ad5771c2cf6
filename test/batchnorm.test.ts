import { describe, expect, it } from 'vitest';
import { bnBackward, bnForwardEval, bnForwardTrain, bnRunningUpdate } from '../src/engine/ops/batchnorm';
import * as ref from '../src/engine/reference/batchnorm';
import { makeRng } from '../src/engine/rng';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

const shapes = [
  { N: 2, C: 1, HW: 1, eps: 1e-5 },
  { N: 1, C: 3, HW: 7, eps: 1e-5 },
  { N: 5, C: 4, HW: 9, eps: 1e-3 },
  { N: 16, C: 8, HW: 676, eps: 1e-5 },
];

describe('BatchNorm2d kernels vs float64 reference', () => {
  for (const s of shapes) {
    it(`train forward, backward and running update ${JSON.stringify(s)}`, async () => {
      const rt = await runtime();
      const rand = makeRng(s.N + s.C * 10 + s.HW);
      const n = s.N * s.C * s.HW;
      const x = randn(n, rand, 2).map((v) => v + 0.5);
      const g = randn(s.C, rand);
      const b = randn(s.C, rand);
      const dy = randn(n, rand);
      const rm = randn(s.C, rand);
      const rv = randn(s.C, rand).map((v) => 1 + Math.abs(v));
      const mom = 0.1;
      const [X, G, B, DY] = [x, g, b, dy].map((a) => rt.upload(a));
      const running = rt.upload(Float32Array.from([...rm, ...rv]));
      const momentum = rt.upload(new Float32Array(2 * s.C).fill(mom));
      const status = rt.upload(new Uint32Array([0xffffffff, 0, 0, 0]));
      const [Y, DX, saved, batch, DG, DB] = [n, n, 2 * s.C, 2 * s.C, s.C, s.C].map((k) => rt.buffer(4 * k));
      rt.run([
        bnForwardTrain(rt, s, X, G, B, Y, saved, batch),
        bnBackward(rt, s, true, X, G, DY, DX, saved, DG, DB),
        bnRunningUpdate(rt, 2 * s.C, batch, momentum, running, status),
      ]);
      const f = ref.bnForwardTrain(x, g, b, s, rm, rv, mom);
      const bw = ref.bnBackward(x, g, dy, s, f.mean, f.invstd, true);
      const ok = (got: Float32Array, want: Float64Array) => worst(got, want, 1e-4, 1e-4);
      expect(ok(await rt.readF32(Y, n), f.y)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DX, n), bw.dx)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DG, s.C), bw.dgamma)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DB, s.C), bw.dbeta)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(running, 2 * s.C), Float64Array.from([...f.newMean, ...f.newVar]))).toBeLessThanOrEqual(1);
    });

    it(`eval forward and backward ${JSON.stringify(s)}`, async () => {
      const rt = await runtime();
      const rand = makeRng(s.N * 3 + s.C);
      const n = s.N * s.C * s.HW;
      const x = randn(n, rand);
      const g = randn(s.C, rand);
      const b = randn(s.C, rand);
      const dy = randn(n, rand);
      const rm = randn(s.C, rand);
      const rv = randn(s.C, rand).map((v) => 0.5 + Math.abs(v));
      const [X, G, B, DY] = [x, g, b, dy].map((a) => rt.upload(a));
      const running = rt.upload(Float32Array.from([...rm, ...rv]));
      const [Y, DX, DG, DB] = [n, n, s.C, s.C].map((k) => rt.buffer(4 * k));
      rt.run([bnForwardEval(rt, s, X, G, B, Y, running), bnBackward(rt, s, false, X, G, DY, DX, running, DG, DB)]);
      const invstd = Float64Array.from(rv, (v) => 1 / Math.sqrt(v + s.eps));
      const bw = ref.bnBackward(x, g, dy, s, rm, invstd, false);
      const ok = (got: Float32Array, want: Float64Array) => worst(got, want, 1e-4, 1e-4);
      expect(ok(await rt.readF32(Y, n), ref.bnForwardEval(x, g, b, s, rm, rv))).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DX, n), bw.dx)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DG, s.C), bw.dgamma)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DB, s.C), bw.dbeta)).toBeLessThanOrEqual(1);
    });
  }

  it('skips the running update when the step was flagged non-finite', async () => {
    const rt = await runtime();
    const running = rt.upload(new Float32Array([1, 2]));
    const batch = rt.upload(new Float32Array([5, 6]));
    const momentum = rt.upload(new Float32Array([0.5, 0.5]));
    for (const status of [[3, 0, 0, 0], [0xffffffff, 1, 0, 0]]) {
      rt.run([bnRunningUpdate(rt, 2, batch, momentum, running, rt.upload(new Uint32Array(status)))]);
      expect([...(await rt.readF32(running, 2))]).toEqual([1, 2]);
    }
  });
});

describe('BatchNorm2d reference backward vs finite differences', () => {
  for (const train of [true, false])
    it(train ? 'train mode' : 'eval mode', () => {
      const rand = makeRng(5);
      const s = { N: 3, C: 2, HW: 4, eps: 1e-5 };
      const n = s.N * s.C * s.HW;
      const x = randArray(n, rand, 2);
      const g = randArray(s.C, rand);
      const b = randArray(s.C, rand);
      const rm = randArray(s.C, rand);
      const rv = Float64Array.from(randArray(s.C, rand), (v) => 1 + Math.abs(v));
      const r = randArray(n, rand);
      const f = ([x, g, b]: Float64Array[]) =>
        train ? ref.bnForwardTrain(x, g, b, s, rm, rv, 0.1).y : ref.bnForwardEval(x, g, b, s, rm, rv);
      const num = numericGrads(f, [x, g, b], r);
      const fw = ref.bnForwardTrain(x, g, b, s, rm, rv, 0.1);
      const an = train
        ? ref.bnBackward(x, g, r, s, fw.mean, fw.invstd, true)
        : ref.bnBackward(x, g, r, s, rm, Float64Array.from(rv, (v) => 1 / Math.sqrt(v + s.eps)), false);
      expect(maxRelErr(an.dx, num[0])).toBeLessThan(1e-5);
      expect(maxRelErr(an.dgamma, num[1])).toBeLessThan(1e-5);
      expect(maxRelErr(an.dbeta, num[2])).toBeLessThan(1e-5);
    });
});
