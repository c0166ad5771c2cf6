import { describe, expect, it } from 'vitest';
import { bnBackward, bnForward, bnScratchFloats, NO_FUSION, type BnFusion } from '../src/engine/ops/batchnorm';
import { bnRunningUpdateV1 as bnRunningUpdate } from '../src/engine/ops/dev/sgd_v1';
import { bnBackwardV1, bnForwardTrainV1 } from '../src/engine/ops/dev/batchnorm_v1';
import { bnBackwardV2, bnForwardV2, bnScratchFloatsV2 } from '../src/engine/ops/dev/batchnorm_v2';
import { reluBackward, reluForward } from '../src/engine/reference/activation';
import * as ref from '../src/engine/reference/batchnorm';
import { dropoutApply, dropoutKeep } from '../src/engine/reference/dropout';
import { makeRng } from '../src/engine/rng';
import { Runtime } from '../src/engine/runtime';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, runtimeAs, stepBuffer, worst } from './gpu';

const shapes = [
  { N: 2, C: 1, HW: 1, eps: 1e-5 },
  { N: 1, C: 3, HW: 7, eps: 1e-5 },
  { N: 5, C: 4, HW: 9, eps: 1e-3 },
  { N: 3, C: 70, HW: 5, eps: 1e-5 }, // more channels than a finalize workgroup
  { N: 16, C: 8, HW: 676, eps: 1e-5 },
];

const fusions: [string, BnFusion][] = [
  ['BatchNorm2d', NO_FUSION],
  ['BatchNorm2d → ReLU', { relu: true, dropout: null }],
  ['BatchNorm2d → ReLU → Dropout(0.3)', { relu: true, dropout: { layer: 5, p: 0.3 } }],
];

/** float64 reference of the fused unit: BN, then ReLU, then Dropout, and its backward. */
function reference(
  x: Float32Array,
  g: Float32Array,
  b: Float32Array,
  dy: Float32Array,
  s: ref.BnShape,
  f: BnFusion,
  seed: number,
  train: boolean,
  rm: Float32Array,
  rv: Float32Array,
) {
  const fwd = train ? ref.bnForwardTrain(x, g, b, s, rm, rv, 0.1) : null;
  const yBn = fwd ? fwd.y : ref.bnForwardEval(x, g, b, s, rm, rv);
  const yRelu = f.relu ? reluForward(yBn) : yBn;
  const keep = f.dropout ? dropoutKeep(seed, f.dropout.layer, x.length, f.dropout.p) : null;
  const y = keep ? dropoutApply(yRelu, keep, f.dropout!.p) : yRelu;
  const dRelu = keep ? dropoutApply(dy, keep, f.dropout!.p) : Float64Array.from(dy);
  const dBn = f.relu ? reluBackward(yRelu, dRelu) : dRelu;
  const mean = fwd ? fwd.mean : Float64Array.from(rm);
  const invstd = fwd ? fwd.invstd : Float64Array.from(rv, (v) => 1 / Math.sqrt(v + s.eps));
  return { y, fwd, ...ref.bnBackward(x, g, dBn, s, mean, invstd, train) };
}

function setup(rt: Runtime, s: ref.BnShape, seed: number) {
  const rand = makeRng(seed);
  const n = s.N * s.C * s.HW;
  const x = randn(n, rand, 2).map((v) => v + 0.5);
  const g = randn(s.C, rand);
  const b = randn(s.C, rand);
  const dy = randn(n, rand);
  const rm = randn(s.C, rand);
  const rv = randn(s.C, rand).map((v) => 0.5 + Math.abs(v));
  const f = bnScratchFloats(rt, s);
  const f2 = bnScratchFloatsV2(rt, s);
  const bufs = {
    X: rt.upload(x),
    G: rt.upload(g),
    B: rt.upload(b),
    DY: rt.upload(dy),
    running: rt.upload(Float32Array.from([...rm, ...rv])),
    Y: rt.buffer(4 * n),
    DX: rt.buffer(4 * n),
    DG: rt.buffer(4 * s.C),
    DB: rt.buffer(4 * s.C),
    saved: rt.buffer(4 * f2.stats),
    batch: rt.buffer(4 * 2 * s.C),
    sums: rt.buffer(4 * f2.stats),
    partial: rt.buffer(4 * Math.max(f.partial, f2.partial)),
    aux: rt.buffer(4 * f.aux),
  };
  return { x, g, b, dy, rm, rv, n, bufs };
}

describe('BatchNorm2d (→ ReLU → Dropout) kernels vs float64 reference', () => {
  for (const s of shapes)
    for (const [name, fusion] of fusions)
      for (const train of [true, false])
        it(`${name}, ${train ? 'train' : 'eval'}, ${JSON.stringify(s)}`, async () => {
          const rt = await runtime();
          const seed = 77;
          const { x, g, b, dy, rm, rv, n, bufs: u } = setup(rt, s, s.N + s.C * 10 + s.HW);
          const step = stepBuffer(rt, { seed });
          const stats = train ? { batchStats: u.batch, partial: u.partial, aux: u.aux } : { running: u.running, partial: u.partial, aux: u.aux };
          rt.run([
            ...bnForward(rt, s, fusion, { step, x: u.X, gamma: u.G, beta: u.B, y: u.Y, ...stats }),
            ...bnBackward(rt, s, fusion, { train, step, x: u.X, gamma: u.G, beta: u.B, dy: u.DY, dx: u.DX, dgamma: u.DG, dbeta: u.DB, aux: u.aux }),
          ]);
          const r = reference(x, g, b, dy, s, fusion, seed, train, rm, rv);
          const ok = (got: Float32Array, want: ArrayLike<number>) => worst(got, want, 1e-4, 1e-4);
          expect(ok(await rt.readF32(u.Y, n), r.y)).toBeLessThanOrEqual(1);
          expect(ok(await rt.readF32(u.DX, n), r.dx)).toBeLessThanOrEqual(1);
          expect(ok(await rt.readF32(u.DG, s.C), r.dgamma)).toBeLessThanOrEqual(1);
          expect(ok(await rt.readF32(u.DB, s.C), r.dbeta)).toBeLessThanOrEqual(1);
          if (train) {
            const unbiased = Float64Array.from(r.fwd!.newVar, (v, c) => (v - 0.9 * rv[c]) / 0.1);
            expect(ok(await rt.readF32(u.batch, 2 * s.C), Float64Array.from([...r.fwd!.mean, ...unbiased]))).toBeLessThanOrEqual(1);
          }
        });

  it('as planned for a GPU (8 values per thread, 1024-value chunks) it gives the same results', async () => {
    const rt = await runtimeAs('gpu');
    const s = { N: 16, C: 8, HW: 676, eps: 1e-5 };
    const fusion: BnFusion = { relu: true, dropout: { layer: 3, p: 0.1 } };
    const { x, g, b, dy, rm, rv, n, bufs: u } = setup(rt, s, 11);
    const step = stepBuffer(rt, { seed: 4 });
    const calls = [
      ...bnForward(rt, s, fusion, { step, x: u.X, gamma: u.G, beta: u.B, y: u.Y, batchStats: u.batch, partial: u.partial, aux: u.aux }),
      ...bnBackward(rt, s, fusion, { train: true, step, x: u.X, gamma: u.G, beta: u.B, dy: u.DY, dx: u.DX, dgamma: u.DG, dbeta: u.DB, aux: u.aux }),
    ];
    expect(calls.every((c) => c.serial! <= 64)).toBe(true);
    rt.run(calls);
    const r = reference(x, g, b, dy, s, fusion, 4, true, rm, rv);
    const ok = (got: Float32Array, want: ArrayLike<number>) => worst(got, want, 1e-4, 1e-4);
    expect(ok(await rt.readF32(u.Y, n), r.y)).toBeLessThanOrEqual(1);
    expect(ok(await rt.readF32(u.DX, n), r.dx)).toBeLessThanOrEqual(1);
    expect(ok(await rt.readF32(u.DG, s.C), r.dgamma)).toBeLessThanOrEqual(1);
  });

  it('without dx (a first layer) it still gives dγ and dβ', async () => {
    const rt = await runtime();
    const s = { N: 4, C: 3, HW: 30, eps: 1e-5 };
    const fusion: BnFusion = { relu: true, dropout: { layer: 2, p: 0.2 } };
    const { x, g, b, dy, rm, rv, bufs: u } = setup(rt, s, 5);
    const step = stepBuffer(rt, { seed: 9 });
    rt.run([
      ...bnForward(rt, s, fusion, { step, x: u.X, gamma: u.G, beta: u.B, y: u.Y, batchStats: u.batch, partial: u.partial, aux: u.aux }),
      ...bnBackward(rt, s, fusion, { train: true, step, x: u.X, gamma: u.G, beta: u.B, dy: u.DY, dx: null, dgamma: u.DG, dbeta: u.DB, aux: u.aux }),
    ]);
    const r = reference(x, g, b, dy, s, fusion, 9, true, rm, rv);
    expect(worst(await rt.readF32(u.DG, s.C), r.dgamma, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    expect(worst(await rt.readF32(u.DB, s.C), r.dbeta, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
  });

  it('the running update folds in the batch statistics, and skips a step flagged non-finite', async () => {
    const rt = await runtime();
    const running = rt.upload(new Float32Array([1, 2]));
    const batch = rt.upload(new Float32Array([5, 6]));
    const momentum = rt.upload(new Float32Array([0.5, 0.5]));
    for (const status of [
      [3, 0, 0, 0],
      [0xffffffff, 1, 0, 0],
    ]) {
      rt.run([bnRunningUpdate(rt, 2, batch, momentum, running, rt.upload(new Uint32Array(status)))]);
      expect([...(await rt.readF32(running, 2))]).toEqual([1, 2]);
    }
    rt.run([bnRunningUpdate(rt, 2, batch, momentum, running, rt.upload(new Uint32Array([0xffffffff, 0, 0, 0])))]);
    expect([...(await rt.readF32(running, 2))]).toEqual([3, 4]);
  });
});

describe('BatchNorm2d v2 (shaders/dev, separate finalize kernels, kept for the benchmark) vs float64 reference', () => {
  for (const s of shapes.slice(2))
    for (const [name, fusion] of fusions.slice(1))
      it(`${name}, train, ${JSON.stringify(s)}`, async () => {
        const rt = await runtime();
        const { x, g, b, dy, rm, rv, n, bufs: u } = setup(rt, s, s.N + s.C * 10 + s.HW);
        const step = stepBuffer(rt, { seed: 77 });
        rt.run([
          ...bnForwardV2(rt, s, fusion, true, step, u.X, u.G, u.B, u.Y, { saved: u.saved, batchStats: u.batch, partial: u.partial }),
          ...bnBackwardV2(rt, s, fusion, true, step, u.X, u.G, u.B, u.saved, u.DY, u.DX, u.DG, u.DB, u),
        ]);
        const r = reference(x, g, b, dy, s, fusion, 77, true, rm, rv);
        const ok = (got: Float32Array, want: ArrayLike<number>) => worst(got, want, 1e-4, 1e-4);
        expect(ok(await rt.readF32(u.Y, n), r.y)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(u.DX, n), r.dx)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(u.DG, s.C), r.dgamma)).toBeLessThanOrEqual(1);
      });
});

describe('BatchNorm2d v1 (shaders/dev, kept for the benchmark) vs float64 reference', () => {
  it('train forward and backward', async () => {
    const rt = await runtime();
    const s = shapes[2];
    const { x, g, b, dy, rm, rv, n, bufs: u } = setup(rt, s, 9);
    rt.run([bnForwardTrainV1(rt, s, u.X, u.G, u.B, u.Y, u.saved, u.batch), bnBackwardV1(rt, s, u.X, u.G, u.DY, u.DX, u.saved, u.DG, u.DB)]);
    const r = reference(x, g, b, dy, s, NO_FUSION, 0, true, rm, rv);
    expect(worst(await rt.readF32(u.Y, n), r.y, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    expect(worst(await rt.readF32(u.DX, n), r.dx, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
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
      const f = ([x, g, b]: Float64Array[]) => (train ? ref.bnForwardTrain(x, g, b, s, rm, rv, 0.1).y : ref.bnForwardEval(x, g, b, s, rm, rv));
      const num = numericGrads(f, [x, g, b], r);
      const fw = ref.bnForwardTrain(x, g, b, s, rm, rv, 0.1);
      const an = train
        ? ref.bnBackward(x, g, r, s, fw.mean, fw.invstd, true)
        : ref.bnBackward(
            x,
            g,
            r,
            s,
            rm,
            Float64Array.from(rv, (v) => 1 / Math.sqrt(v + s.eps)),
            false,
          );
      expect(maxRelErr(an.dx, num[0])).toBeLessThan(1e-5);
      expect(maxRelErr(an.dgamma, num[1])).toBeLessThan(1e-5);
      expect(maxRelErr(an.dbeta, num[2])).toBeLessThan(1e-5);
    });
});
