import { describe, expect, it } from 'vitest';
import { findNonfinite, sgdStep } from '../src/engine/ops/sgd';
import { sgdStep as refStep } from '../src/engine/reference/sgd';
import { makeRng } from '../src/engine/rng';
import { randn, runtime, stepBuffer, worst } from './gpu';

describe('SGD kernel vs float64 reference', () => {
  for (const [momentum, wd] of [[0, 0], [0.9, 0], [0.9, 5e-4], [0.5, 0.1]]) {
    it(`three steps, momentum ${momentum}, weight decay ${wd}`, async () => {
      const rt = await runtime();
      const n = 1000;
      const rand = makeRng(n);
      const w = randn(n, rand);
      const v = new Float64Array(n);
      const wRef = Float64Array.from(w);
      const W = rt.upload(w);
      const V = rt.buffer(4 * n);
      const G = rt.buffer(4 * n);
      const status = rt.upload(new Uint32Array([0xffffffff, 0, 0, 0]));
      const lr = 0.05;
      const step = stepBuffer(rt, { lr, momentum });
      for (let k = 0; k < 3; k++) {
        const g = randn(n, rand);
        rt.write(G, g);
        rt.run([findNonfinite(rt, n, G, status), sgdStep(rt, n, wd, step, W, G, V, status)]);
        refStep(wRef, g, v, Math.fround(lr), momentum, wd);
      }
      expect(worst(await rt.readF32(W, n), wRef, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(V, n), v, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    });
  }

  it('finds the first non-finite gradient and then leaves the weights alone', async () => {
    const rt = await runtime();
    const g = new Float32Array(600).fill(0.5);
    g[517] = Infinity;
    g[301] = NaN;
    const W = rt.upload(new Float32Array(600).fill(1));
    const status = rt.upload(new Uint32Array([0xffffffff, 0, 0xffffffff, 0]));
    rt.run([findNonfinite(rt, 600, rt.upload(g), status), sgdStep(rt, 600, 0, stepBuffer(rt, { lr: 0.1, momentum: 0.9, index: 7 }), W, rt.upload(g), rt.buffer(2400), status)]);
    expect([...(await rt.readU32(status, 3))]).toEqual([301, 0, 7]); // bad index, loss ok, skipped step 7
    expect(new Set(await rt.readF32(W, 600))).toEqual(new Set([1]));
  });
});
