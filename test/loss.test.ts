import { describe, expect, it } from 'vitest';
import { halfSseLoss, logSoftmaxBackward, logSoftmaxForward, nllLoss } from '../src/engine/ops/loss';
import * as ref from '../src/engine/reference/loss';
import { makeRng } from '../src/engine/rng';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

describe('LogSoftmax + NLL and ½·SSE kernels vs float64 reference', () => {
  for (const [B, C] of [
    [1, 10],
    [3, 2],
    [300, 10],
    [65, 17],
  ]) {
    it(`log_softmax + nll B=${B} C=${C}`, async () => {
      const rt = await runtime();
      const rand = makeRng(B * C);
      const x = randn(B * C, rand, 4);
      const t = Uint32Array.from({ length: B }, () => Math.floor(rand() * C));
      const X = rt.upload(x);
      const T = rt.upload(t);
      const [Y, DY, DX, out] = [B * C, B * C, B * C, 4].map((k) => rt.buffer(4 * k));
      const stats = rt.upload(new Float32Array([1, 2, 3, 0]));
      const status = rt.upload(new Uint32Array([0xffffffff, 0, 0, 0]));
      rt.run([logSoftmaxForward(rt, B, C, X, Y), nllLoss(rt, B, C, Y, T, DY, out, stats, status), logSoftmaxBackward(rt, B, C, Y, DY, DX)]);
      const y = ref.logSoftmaxForward(x, B, C);
      const l = ref.nllLoss(y, t, B, C);
      const dx = ref.logSoftmaxBackward(y, l.dlogp, B, C);
      expect(worst(await rt.readF32(Y, B * C), y, 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(out, 1), [l.loss], 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DY, B * C), l.dlogp, 0, 1e-6)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, B * C), dx, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      const st = await rt.readF32(stats, 3);
      expect(worst(st, [1 + l.loss * B, 2 + l.correct, 3 + B], 1e-5, 1e-5)).toBeLessThanOrEqual(1);
      expect([...(await rt.readU32(status, 2))]).toEqual([0xffffffff, 0]);
    });
  }

  it('raises the status flag when the loss is not finite', async () => {
    const rt = await runtime();
    const logp = rt.upload(new Float32Array([-Infinity, 0]));
    const status = rt.upload(new Uint32Array([0xffffffff, 0, 0, 0]));
    const [dy, out, stats] = [2, 4, 4].map((k) => rt.buffer(4 * k));
    rt.run([nllLoss(rt, 1, 2, logp, rt.upload(new Uint32Array([0])), dy, out, stats, status)]);
    expect((await rt.readU32(status, 2))[1]).toBe(1);
  });

  for (const [B, C] of [
    [1, 2],
    [7, 3],
    [100, 10],
  ]) {
    it(`half_sse B=${B} C=${C}`, async () => {
      const rt = await runtime();
      const rand = makeRng(B + C);
      const y = randn(B * C, rand);
      const t = randn(B * C, rand);
      const [DY, out] = [rt.buffer(4 * B * C), rt.buffer(16)];
      const status = rt.upload(new Uint32Array([0xffffffff, 0, 0, 0]));
      rt.run([halfSseLoss(rt, B, C, rt.upload(y), rt.upload(t), DY, out, status)]);
      const r = ref.halfSse(y, t);
      expect(worst(await rt.readF32(out, 1), [r.loss], 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DY, B * C), r.dy, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    });
  }
});

describe('½·SSE where the outputs reach their targets (float64 answers)', () => {
  it('is exactly 0 with a zero gradient when y = t, and keeps a one-step difference whole', async () => {
    const rt = await runtime();
    // The toy's targets 0.01 and 0.99 reached exactly, then one float32 step (2^-30, 2^-24) past.
    const t = new Float32Array([0.01, 0.99, 0.5, 1]);
    const step = [2 ** -30, 2 ** -24, 2 ** -25, 2 ** -24];
    const run = async (y: Float32Array) => {
      const [DY, out] = [rt.buffer(16), rt.buffer(16)];
      rt.run([halfSseLoss(rt, 1, 4, rt.upload(y), rt.upload(t), DY, out, rt.upload(new Uint32Array([0xffffffff, 0, 0, 0])))]);
      return { E: (await rt.readF32(out, 1))[0], dy: [...(await rt.readF32(DY, 4))] };
    };
    expect(await run(t)).toEqual({ E: 0, dy: [0, 0, 0, 0] });
    const y = Float32Array.from(t, (v, i) => v + step[i]);
    const d = [...y].map((v, i) => v - t[i]); // float64: the steps as float32 made them
    const E = d.reduce((s, v) => s + 0.5 * v * v, 0);
    const got = await run(y);
    expect(got.dy).toEqual(d);
    expect(Math.abs(got.E - E) / E).toBeLessThan(1e-6);
  });
});

describe('log-softmax of a row it is sure of (float64 answers)', () => {
  it('keeps log p = −1e-13 at the argmax and its gradient −Σ_{j≠y} p_j, on logits near 0 and near 60', async () => {
    const rt = await runtime();
    const [B, C] = [4, 10];
    const x = new Float32Array(B * C);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) x[b * C + c] = (b % 2 ? 60 : 0) + (c === 3 ? 0 : -30 - c / 4 - (b >> 1) * 5);
    const t = new Uint32Array([3, 3, 3, 7]);
    const [Y, DY, DX, out, stats] = [B * C, B * C, B * C, 4, 4].map((k) => rt.buffer(4 * k));
    const status = rt.upload(new Uint32Array([0xffffffff, 0, 0, 0]));
    rt.run([logSoftmaxForward(rt, B, C, rt.upload(x), Y), nllLoss(rt, B, C, Y, rt.upload(t), DY, out, stats, status), logSoftmaxBackward(rt, B, C, Y, DY, DX)]);
    const [y, dx] = [await rt.readF32(Y, B * C), await rt.readF32(DX, B * C)];
    for (let b = 0; b < B; b++) {
      const r = [...x.subarray(b * C, (b + 1) * C)];
      const tail = r.reduce((s, v, c) => (c === 3 ? s : s + Math.exp(v - r[3])), 0);
      // float64 by hand: log p_3 = −log1p(tail), p_j = e^(x_j − x_3)/(1 + tail), ∂L/∂x_3 = −tail/(1 + tail)/B.
      expect(Math.abs(y[b * C + 3] + Math.log1p(tail)) / Math.log1p(tail), `row ${b}`).toBeLessThan(1e-5);
      const want3 = t[b] === 3 ? -tail / (1 + tail) / B : 1 / (1 + tail) / B;
      expect(Math.abs(dx[b * C + 3] - want3) / Math.abs(want3), `row ${b}`).toBeLessThan(1e-5);
    }
    expect(y[3]).toBeLessThan(0);
  });
});

describe('loss reference backward vs finite differences', () => {
  it('log_softmax + nll', () => {
    const rand = makeRng(9);
    const [B, C] = [3, 4];
    const x = randArray(B * C, rand, 2);
    const t = [1, 3, 0];
    const [num] = numericGrads(([x]) => [ref.nllLoss(ref.logSoftmaxForward(x, B, C), t, B, C).loss], [x], [1]);
    const y = ref.logSoftmaxForward(x, B, C);
    expect(maxRelErr(ref.logSoftmaxBackward(y, ref.nllLoss(y, t, B, C).dlogp, B, C), num)).toBeLessThan(1e-6);
  });
  it('half_sse', () => {
    const rand = makeRng(10);
    const y = randArray(6, rand);
    const t = randArray(6, rand);
    const [num] = numericGrads(([y]) => [ref.halfSse(y, t).loss], [y], [1]);
    expect(maxRelErr(ref.halfSse(y, t).dy, num)).toBeLessThan(1e-6);
  });
});
