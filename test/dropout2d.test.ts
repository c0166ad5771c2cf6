// Dropout2d: the kernel against the float64 reference (whole channels, Dropout's counter-based
// mask taken per (sample, channel)), the mask's statistics, the reference's backward against finite
// differences, and the spec's refusals. (PyTorch's answers: fixtures/gradients/*dropout2d*.json.)
import { describe, expect, it } from 'vitest';
import { dropout2dApply } from '../src/engine/ops/dropout2d';
import { dropout2dApply as refApply, dropout2dKeep } from '../src/engine/reference/dropout';
import { makeRng } from '../src/engine/rng';
import { parseSpec } from '../src/engine/spec';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, stepBuffer, worst } from './gpu';

describe('Dropout2d kernel', () => {
  for (const [N, C, HW, p, seed, layer] of [
    [1, 8, 10, 0.5, 4242, 0],
    [3, 5, 21, 0.3, 777, 2],
    [2, 64, 1, 0.1, 1, 7],
    [2, 3, 4, 0, 5, 1],
    [2, 3, 4, 1, 5, 1],
  ]) {
    it(`mask and scale match the reference: N=${N} C=${C} HW=${HW} p=${p} seed=${seed} layer=${layer}`, async () => {
      const rt = await runtime();
      const n = N * C * HW;
      const x = randn(n, makeRng(n + C));
      const X = rt.upload(x);
      const [Y, DX] = [rt.buffer(4 * n), rt.buffer(4 * n)];
      const step = stepBuffer(rt, { seed });
      rt.run([dropout2dApply(rt, 'f', n, HW, layer, p, step, X, Y), dropout2dApply(rt, 'b', n, HW, layer, p, step, Y, DX)]);
      const keep = dropout2dKeep(seed, layer, N * C, p);
      const y = refApply(x, keep, HW, p);
      const got = await rt.readF32(Y, n);
      expect(worst(got, y, 0, 1e-6)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, n), refApply(y, keep, HW, p), 0, 1e-6)).toBeLessThanOrEqual(1);
      // Whole channels: every value of a channel is dropped or none is.
      for (let c = 0; c < N * C; c++) {
        const zeros = Array.from(got.subarray(c * HW, (c + 1) * HW)).filter((v, i) => v === 0 && x[c * HW + i] !== 0).length;
        expect([0, HW]).toContain(zeros);
      }
    });
  }

  it('drops about p of the channels', () => {
    const keep = dropout2dKeep(9, 3, 50000, 0.2);
    expect(Math.abs(keep.reduce((s, v) => s + v, 0) / 50000 - 0.8)).toBeLessThan(0.01);
  });

  it('reference backward vs finite differences (the mask fixed)', () => {
    const rand = makeRng(11);
    const keep = dropout2dKeep(3, 1, 6, 0.4);
    const x = randArray(6 * 5, rand);
    const r = randArray(30, rand);
    const [num] = numericGrads(([x]) => refApply(x, keep, 5, 0.4), [x], r);
    expect(maxRelErr(refApply(r, keep, 5, 0.4), num)).toBeLessThan(1e-6);
  });

  it.each<[unknown, string]>([
    [{ type: 'Dropout2d', p: 1.5 }, 'layer 1 (Dropout2d): p must be a number in [0, 1], got 1.5'],
    [{ type: 'Dropout2d', p: 0.1, inplace: false, x: 1 }, 'layer 1 (Dropout2d): unknown argument "x"; it takes p, inplace'],
  ])('the spec refuses %j', (layer, message) => {
    expect(() => parseSpec([{ type: 'Conv2d', in_channels: 1, out_channels: 2, kernel_size: 3 }, layer], [1, 28, 28])).toThrow(message);
  });

  it('the spec refuses Dropout2d after Flatten (no channels to drop)', () => {
    expect(() => parseSpec([{ type: 'Flatten' }, { type: 'Dropout2d', p: 0.1 }], [1, 28, 28])).toThrow(
      'layer 1 (Dropout2d): expects input [C, H, W] (it drops whole channels), but gets [784] from layer 0 (Flatten)',
    );
  });
});
