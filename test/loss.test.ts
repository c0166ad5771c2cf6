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
