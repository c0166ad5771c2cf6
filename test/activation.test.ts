import { describe, expect, it } from 'vitest';
import { activationBackward, activationForward, type Activation } from '../src/engine/ops/activation';
import * as ref from '../src/engine/reference/activation';
import { makeRng } from '../src/engine/rng';
import { randn, runtime, worst } from './gpu';

describe('activation kernels vs float64 reference', () => {
  for (const kind of ['relu', 'sigmoid'] as Activation[])
    for (const n of [1, 255, 257, 70001]) {
      it(`${kind} forward and backward, n = ${n}`, async () => {
        const rt = await runtime();
        const rand = makeRng(n);
        const x = randn(n, rand, 3);
        const dy = randn(n, rand);
        const X = { buf: rt.upload(x), shape: [n] };
        const Y = { buf: rt.buffer(4 * n), shape: [n] };
        const DY = { buf: rt.upload(dy), shape: [n] };
        const DX = { buf: rt.buffer(4 * n), shape: [n] };
        rt.run([activationForward(rt, kind, X, Y), activationBackward(rt, kind, Y, DY, DX)]);
        const y = await rt.readF32(Y.buf, n);
        const dx = await rt.readF32(DX.buf, n);
        const yRef = kind === 'relu' ? ref.reluForward(x) : ref.sigmoidForward(x);
        const dxRef = kind === 'relu' ? ref.reluBackward(yRef, dy) : ref.sigmoidBackward(yRef, dy);
        expect(worst(y, yRef, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
        expect(worst(dx, dxRef, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      });
    }
});

describe('sigmoid where its output rounds to 1 (float64 answers)', () => {
  it("sigmoid' is y's own y(1 − y), off the float64 e^-x/(1 + e^-x)² by no more than y's rounding, and 0 once y is 1", async () => {
    const rt = await runtime();
    const x = [-30, -17, -10, -1, 0, 2, 5, 10, 12, 15, 16, 16.7, 17, 20, 30];
    const n = x.length;
    const X = { buf: rt.upload(new Float32Array(x)), shape: [n] };
    const Y = { buf: rt.buffer(4 * n), shape: [n] };
    const DX = { buf: rt.buffer(4 * n), shape: [n] };
    rt.run([activationForward(rt, 'sigmoid', X, Y), activationBackward(rt, 'sigmoid', Y, { buf: rt.upload(new Float32Array(n).fill(1)), shape: [n] }, DX)]);
    const y = await rt.readF32(Y.buf, n);
    const dx = await rt.readF32(DX.buf, n);
    for (let i = 0; i < n; i++) {
      const e = Math.exp(-x[i]);
      const exact = e / (1 + e) ** 2;
      // What the kernel can do from its float32 y: y(1 − y) with 1 − y exact above 0.5.
      expect(Math.abs(dx[i] - y[i] * (1 - y[i])), `x = ${x[i]}`).toBeLessThanOrEqual(1e-6 * y[i] * (1 - y[i]));
      // y itself is σ(x) to a few float32 steps: 2^-24 relative, or 2^-25 + a step absolute near 1.
      expect(Math.abs(dx[i] - exact), `x = ${x[i]}`).toBeLessThanOrEqual(4 * 2 ** -24 * Math.min(1, 4 * exact) + 2 ** -24);
      if (x[i] >= 17) expect(dx[i], `x = ${x[i]}: y = 1 in float32, float64 has ${exact}`).toBe(0);
      if (x[i] <= 0) expect(Math.abs(dx[i] - exact) / exact, `x = ${x[i]}`).toBeLessThan(1e-5);
    }
  });
});
