import { describe, expect, it } from 'vitest';
import { dropoutApply } from '../src/engine/ops/dropout';
import { dropoutApply as refApply, dropoutKeep, pcg } from '../src/engine/reference/dropout';
import { makeRng } from '../src/engine/rng';
import { randn, runtime, stepBuffer, worst } from './gpu';

describe('Dropout kernel', () => {
  it('PCG hash matches known values (the same constants as the shader and the fixture generator)', () => {
    // Computed with 32-bit unsigned arithmetic by hand-checked Python: see scripts/gen_fixtures.py.
    expect(pcg(0)).toBe(129708002);
    expect(pcg(1)).toBe(2831084092);
  });

  for (const [n, p, seed, layer] of [
    [1000, 0.1, 1, 3],
    [4097, 0.5, 123456789, 0],
    [10, 0, 5, 1],
    [10, 1, 5, 1],
  ]) {
    it(`mask and scale match the reference: n=${n} p=${p} seed=${seed} layer=${layer}`, async () => {
      const rt = await runtime();
      const x = randn(n, makeRng(n));
      const X = rt.upload(x);
      const [Y, DX] = [rt.buffer(4 * n), rt.buffer(4 * n)];
      const step = stepBuffer(rt, { seed });
      rt.run([dropoutApply(rt, 'f', n, layer, p, step, X, Y), dropoutApply(rt, 'b', n, layer, p, step, Y, DX)]);
      const keep = dropoutKeep(seed, layer, n, p);
      const y = refApply(x, keep, p);
      expect(worst(await rt.readF32(Y, n), y, 0, 1e-6)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, n), refApply(y, keep, p), 0, 1e-6)).toBeLessThanOrEqual(1);
    });
  }

  it('drops about p of the elements, differently per seed and per layer', () => {
    const n = 100000;
    const a = dropoutKeep(1, 0, n, 0.25);
    const kept = a.reduce((s, v) => s + v, 0) / n;
    expect(Math.abs(kept - 0.75)).toBeLessThan(0.01);
    const b = dropoutKeep(2, 0, n, 0.25);
    const c = dropoutKeep(1, 1, n, 0.25);
    const agree = (u: Uint8Array, v: Uint8Array) => u.reduce((s, k, i) => s + (k === v[i] ? 1 : 0), 0) / n;
    // Independent masks agree on about 0.75² + 0.25² = 0.625 of the elements.
    expect(Math.abs(agree(a, b) - 0.625)).toBeLessThan(0.01);
    expect(Math.abs(agree(a, c) - 0.625)).toBeLessThan(0.01);
  });
});
