import { describe, expect, it } from 'vitest';
import {
  conv2dBackward as conv2dBackwardFused,
  conv2dBackwardBias,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dForward,
  convOutSize,
  convScratchFloats,
  fusedBackward,
  MAX_SERIAL,
  weightSplit,
} from '../src/engine/ops/conv2d';
import { reduceSegments } from '../src/engine/ops/reduce';
import { conv2dBackwardInputV1, conv2dBackwardWeightV1, conv2dForwardV1 } from '../src/engine/ops/dev/conv2d_v1';
import { conv2dBackwardInputV2, conv2dBackwardWeightV2, conv2dForwardV2, conv2dV2ScratchFloats } from '../src/engine/ops/dev/conv2d_v2';
import { conv2dBackwardWeightV3, conv2dV3ScratchFloats } from '../src/engine/ops/dev/conv2d_v3';
import { conv2dBackward, conv2dBackward as conv2dBackward64, conv2dForward as refForward, type ConvShape } from '../src/engine/reference/conv2d';
import { makeRng } from '../src/engine/rng';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, runtimeAs, worst } from './gpu';

const cases: ConvShape[] = [
  { N: 1, C: 1, H: 5, W: 5, O: 1, KH: 3, KW: 3, PH: 0, PW: 0 },
  { N: 2, C: 3, H: 7, W: 6, O: 4, KH: 3, KW: 3, PH: 1, PW: 1 },
  { N: 3, C: 5, H: 6, W: 6, O: 7, KH: 1, KW: 1, PH: 0, PW: 0 },
  { N: 2, C: 2, H: 9, W: 8, O: 3, KH: 5, KW: 3, PH: 2, PW: 0 },
  { N: 4, C: 8, H: 26, W: 26, O: 16, KH: 3, KW: 3, PH: 0, PW: 0 },
  { N: 3, C: 17, H: 5, W: 4, O: 10, KH: 2, KW: 2, PH: 1, PW: 1 }, // channel counts that are not multiples of 8
  { N: 2, C: 2, H: 11, W: 13, O: 3, KH: 9, KW: 8, PH: 4, PW: 3 }, // larger than the 7×7 register tile
  { N: 1, C: 3, H: 9, W: 7, O: 2, KH: 1, KW: 7, PH: 0, PW: 3 }, // widths that are not multiples of 4
];

describe('conv2d kernels vs float64 reference', () => {
  for (const s of cases)
    for (const bias of [false, true]) {
      it(`${JSON.stringify(s)} bias=${bias}`, async () => {
        const rt = await runtime();
        const rand = makeRng(s.N * 31 + s.C * 7 + s.KH);
        const { OH, OW } = convOutSize(s);
        const nx = s.N * s.C * s.H * s.W;
        const nw = s.O * s.C * s.KH * s.KW;
        const ny = s.N * s.O * OH * OW;
        const x = randn(nx, rand);
        const w = randn(nw, rand, 0.3);
        const b = randn(s.O, rand);
        const dy = randn(ny, rand);
        const [X, Wb, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
        const [Y, DX, DW, DB] = [ny, nx, nw, s.O].map((n) => rt.buffer(4 * n));
        const scratch = rt.buffer(4 * convScratchFloats(s));
        rt.run([
          conv2dForward(rt, s, X, Wb, Y, bias ? B : undefined),
          conv2dBackwardInput(rt, s, DY, Wb, DX),
          ...conv2dBackwardWeight(rt, s, DY, X, DW, scratch),
          ...conv2dBackwardBias(rt, s, DY, DB, scratch),
        ]);
        const ref = conv2dBackward(x, w, dy, s);
        const ok = (g: Float32Array, want: Float64Array) => worst(g, want, 1e-4, 1e-4);
        expect(ok(await rt.readF32(Y, ny), refForward(x, w, bias ? b : null, s))).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DX, nx), ref.dx)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DW, nw), ref.dw)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DB, s.O), ref.db)).toBeLessThanOrEqual(1);
      });
    }
});

describe('conv2d fused backward (dx and dw partials in one dispatch) vs float64 reference', () => {
  for (const s of cases.filter((c) => fusedBackward(c)))
    it(JSON.stringify(s), async () => {
      const rt = await runtime();
      const rand = makeRng(s.N * 17 + s.O);
      const { OH, OW } = convOutSize(s);
      const nx = s.N * s.C * s.H * s.W;
      const nw = s.O * s.C * s.KH * s.KW;
      const x = randn(nx, rand);
      const w = randn(nw, rand, 0.3);
      const dy = randn(s.N * s.O * OH * OW, rand);
      const [DX, DW, scratch] = [nx, nw, convScratchFloats(s)].map((n) => rt.buffer(4 * n));
      const p = conv2dBackwardFused(rt, s, rt.upload(dy), rt.upload(w), DX, rt.upload(x), scratch);
      rt.run([p.call, reduceSegments(rt, 'dw', [{ partial: scratch, count: p.count, S: p.S, out: DW }])]);
      const ref = conv2dBackward64(x, w, dy, s);
      expect(worst(await rt.readF32(DX, nx), ref.dx, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DW, nw), ref.dw, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
});

describe('conv2d as planned for a GPU (small outputs: 2 channels × 1 pixel per thread) vs float64 reference', () => {
  for (const s of cases.filter((c) => fusedBackward(c)))
    it(JSON.stringify(s), async () => {
      const rt = await runtimeAs('gpu');
      const rand = makeRng(s.N * 19 + s.O);
      const { OH, OW } = convOutSize(s);
      const nx = s.N * s.C * s.H * s.W;
      const nw = s.O * s.C * s.KH * s.KW;
      const ny = s.N * s.O * OH * OW;
      const x = randn(nx, rand);
      const w = randn(nw, rand, 0.3);
      const b = randn(s.O, rand);
      const dy = randn(ny, rand);
      const [X, Wb, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
      const [Y, DX, DX2, DW, scratch] = [ny, nx, nx, nw, convScratchFloats(s)].map((n) => rt.buffer(4 * n));
      const p = conv2dBackwardFused(rt, s, DY, Wb, DX, X, scratch);
      rt.run([
        conv2dForward(rt, s, X, Wb, Y, B),
        conv2dBackwardInput(rt, s, DY, Wb, DX2),
        p.call,
        reduceSegments(rt, 'dw', [{ partial: scratch, count: p.count, S: p.S, out: DW }]),
      ]);
      const ref = conv2dBackward64(x, w, dy, s);
      const ok = (g: Float32Array, want: Float64Array) => worst(g, want, 1e-4, 1e-4);
      expect(ok(await rt.readF32(Y, ny), refForward(x, w, b, s))).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DX, nx), ref.dx)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DX2, nx), ref.dx)).toBeLessThanOrEqual(1);
      expect(ok(await rt.readF32(DW, nw), ref.dw)).toBeLessThanOrEqual(1);
    });
});

describe('conv2d v3 weight gradient (shaders/dev: uncapped chunks, reduce_partials) vs float64 reference', () => {
  for (const s of cases.filter((c) => c.KH <= 7 && c.KW <= 7))
    it(JSON.stringify(s), async () => {
      const rt = await runtime();
      const rand = makeRng(s.N * 13 + s.C);
      const { OH, OW } = convOutSize(s);
      const x = randn(s.N * s.C * s.H * s.W, rand);
      const dy = randn(s.N * s.O * OH * OW, rand);
      const nw = s.O * s.C * s.KH * s.KW;
      const DW = rt.buffer(4 * nw);
      rt.run(conv2dBackwardWeightV3(rt, s, rt.upload(dy), rt.upload(x), DW, rt.buffer(4 * conv2dV3ScratchFloats(s))));
      const ref = conv2dBackward(x, new Float32Array(nw), dy, s);
      expect(worst(await rt.readF32(DW, nw), ref.dw, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
});

describe('weight gradients at batch 512: no thread loops over more than 256 output pixels', () => {
  it('the first stage is capped and the reduction stays exact', async () => {
    const rt = await runtimeAs('gpu'); // as planned for a GPU
    const s = { N: 40, C: 1, H: 28, W: 28, O: 8, KH: 3, KW: 3, PH: 0, PW: 0 };
    const big = weightSplit({ ...s, N: 512 }, s.O * s.C);
    expect(big.chunk * 26).toBeLessThanOrEqual(MAX_SERIAL);
    const rand = makeRng(3);
    const { OH, OW } = convOutSize(s);
    const x = randn(s.N * s.C * s.H * s.W, rand);
    const dy = randn(s.N * s.O * OH * OW, rand);
    const nw = s.O * s.C * s.KH * s.KW;
    const DW = rt.buffer(4 * nw);
    const calls = conv2dBackwardWeight(rt, s, rt.upload(dy), rt.upload(x), DW, rt.buffer(4 * convScratchFloats(s)));
    expect(calls.every((c) => c.serial! <= MAX_SERIAL)).toBe(true);
    rt.run(calls);
    const ref = conv2dBackward(x, new Float32Array(nw), dy, s);
    expect(worst(await rt.readF32(DW, nw), ref.dw, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
  });
});

describe('conv2d v1 and v2 (shaders/dev, kept for the benchmark) vs float64 reference', () => {
  for (const s of [cases[1], cases[5]])
    it(JSON.stringify(s), async () => {
      const rt = await runtime();
      const rand = makeRng(3);
      const { OH, OW } = convOutSize(s);
      const [nx, nw, ny] = [s.N * s.C * s.H * s.W, s.O * s.C * s.KH * s.KW, s.N * s.O * OH * OW];
      const [x, w, dy] = [randn(nx, rand), randn(nw, rand), randn(ny, rand)];
      const [X, Wb, DY] = [x, w, dy].map((a) => rt.upload(a));
      const [Y, DX, DW] = [ny, nx, nw].map((n) => rt.buffer(4 * n));
      const ref = conv2dBackward(x, w, dy, s);
      const scratch = rt.buffer(4 * conv2dV2ScratchFloats(s));
      for (const calls of [
        [conv2dForwardV1(rt, s, X, Wb, Y), conv2dBackwardInputV1(rt, s, DY, Wb, DX), conv2dBackwardWeightV1(rt, s, DY, X, DW)],
        [conv2dForwardV2(rt, s, X, Wb, Y), conv2dBackwardInputV2(rt, s, DY, Wb, DX), ...conv2dBackwardWeightV2(rt, s, DY, X, DW, scratch)],
      ]) {
        rt.run(calls);
        expect(worst(await rt.readF32(Y, ny), refForward(x, w, null, s), 1e-4, 1e-4)).toBeLessThanOrEqual(1);
        expect(worst(await rt.readF32(DX, nx), ref.dx, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
        expect(worst(await rt.readF32(DW, nw), ref.dw, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
      }
    });
});

describe('conv2d reference backward vs finite differences', () => {
  for (const s of cases.slice(0, 4))
    it(JSON.stringify(s), () => {
      const rand = makeRng(11);
      const { OH, OW } = convOutSize(s);
      const x = randArray(s.N * s.C * s.H * s.W, rand);
      const w = randArray(s.O * s.C * s.KH * s.KW, rand);
      const b = randArray(s.O, rand);
      const r = randArray(s.N * s.O * OH * OW, rand);
      const num = numericGrads(([x, w, b]) => refForward(x, w, b, s), [x, w, b], r);
      const an = conv2dBackward(x, w, r, s);
      expect(maxRelErr(an.dx, num[0])).toBeLessThan(1e-5);
      expect(maxRelErr(an.dw, num[1])).toBeLessThan(1e-5);
      expect(maxRelErr(an.db, num[2])).toBeLessThan(1e-5);
    });
});
