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
