// The end of a training step (shaders/sgd.wgsl): update_check + update_apply against the float64
// SGD reference and BatchNorm's running update, and the guard: anything the step would make
// non-finite (gradient, weight, momentum, running statistic) or a flag from the loss kernel
// leaves every buffer as it was. v1 (find_nonfinite + sgd_step, shaders/dev) is checked as well.
import { describe, expect, it } from 'vitest';
import { findNonfiniteV1, sgdStepV1 } from '../src/engine/ops/dev/sgd_v1';
import { updateStep } from '../src/engine/ops/sgd';
import { sgdStep as refStep } from '../src/engine/reference/sgd';
import { makeRng } from '../src/engine/rng';
import type { Runtime } from '../src/engine/runtime';
import { randn, runtime, stepBuffer, worst } from './gpu';

const NONE = 0xffffffff;
const fresh = () => new Uint32Array([NONE, 0, NONE, NONE, NONE, NONE, 0, 0]);

function buffers(rt: Runtime, w: Float32Array, running: Float32Array, batch: Float32Array, mom: Float32Array, lr: number, momentum: number, index = 0) {
  return {
    params: rt.upload(w),
    grads: rt.buffer(4 * w.length),
    momenta: rt.buffer(4 * w.length),
    running: rt.upload(running),
    batchStats: rt.upload(batch),
    bnMomentum: rt.upload(mom),
    status: rt.upload(fresh()),
    step: stepBuffer(rt, { lr, momentum, index }),
  };
}

describe('update_check + update_apply vs float64 references', () => {
  for (const [momentum, wd] of [
    [0, 0],
    [0.9, 0],
    [0.9, 5e-4],
    [0.5, 0.1],
  ]) {
    it(`three steps, momentum ${momentum}, weight decay ${wd}, running statistics`, async () => {
      const rt = await runtime();
      const n = 1000;
      const nr = 300; // fewer running values than parameters: both bounds are exercised
      const rand = makeRng(n);
      const w = randn(n, rand);
      const run = randn(nr, rand);
      const batch = randn(nr, rand);
      const mom = Float32Array.from({ length: nr }, (_, i) => (i % 3) * 0.1);
      const lr = 0.05;
      const b = buffers(rt, w, run, batch, mom, lr, momentum);
      const v = new Float64Array(n);
      const wRef = Float64Array.from(w);
      const runRef = Float64Array.from(run);
      const calls = updateStep(rt, { n, nUpdate: n, nRunning: nr, weightDecay: wd }, b);
      for (let k = 0; k < 3; k++) {
        const g = randn(n, rand);
        rt.write(b.grads as GPUBuffer, g);
        rt.run(calls);
        refStep(wRef, g, v, Math.fround(lr), momentum, wd);
        for (let i = 0; i < nr; i++) runRef[i] = (1 - mom[i]) * runRef[i] + mom[i] * batch[i];
      }
      expect(worst(await rt.readF32(b.params, n), wRef, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(b.momenta, n), v, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(b.running, nr), runRef, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect([...(await rt.readU32(b.status))]).toEqual([...fresh()]);
    });
  }
});

describe('the step guard keeps the state from before a bad step', () => {
  const n = 600;
  const nr = 40;
  // Each case: what to break, and the status the guard must report (index 2 = skipped step 7).
  const cases: [string, (g: Float32Array, w: Float32Array, run: Float32Array, status: Uint32Array) => void, number[]][] = [
    [
      'a NaN and an Inf gradient: the first index',
      (g) => {
        g[517] = Infinity;
        g[301] = NaN;
      },
      [301, 0, 7, NONE, NONE, NONE],
    ],
    [
      'a weight the update overflows',
      (g, w) => {
        g[42] = 3e38;
        w[42] = 3e38;
        g[99] = -3e38;
        w[99] = -3e38;
      },
      [NONE, 0, 7, 42, NONE, NONE],
    ],
    [
      'a running statistic the update overflows',
      (_g, _w, run) => {
        run[5] = Infinity;
      },
      [NONE, 0, 7, NONE, 5, NONE],
    ],
    [
      'a non-finite loss flagged by the loss kernel',
      (_g, _w, _r, st) => {
        st[1] = 1;
      },
      [NONE, 1, 7, NONE, NONE, NONE],
    ],
    [
      'a label out of range flagged by the loss kernel',
      (_g, _w, _r, st) => {
        st[5] = 3;
      },
      [NONE, 0, 7, NONE, NONE, 3],
    ],
  ];
  for (const [name, spoil, want] of cases) {
    it(name, async () => {
      const rt = await runtime();
      const g = new Float32Array(n).fill(0.5);
      const w = new Float32Array(n).fill(1);
      const run = new Float32Array(nr).fill(2);
      const status = fresh();
      spoil(g, w, run, status);
      // With weight decay 1, d = g + w overflows float32 where both are 3e38.
      const b = buffers(rt, w, run, new Float32Array(nr).fill(3), new Float32Array(nr).fill(0.5), 0.1, 0.9, 7);
      rt.write(b.grads as GPUBuffer, g);
      rt.write(b.status as GPUBuffer, status);
      rt.run(updateStep(rt, { n, nUpdate: n, nRunning: nr, weightDecay: 1 }, b));
      expect([...(await rt.readU32(b.status, 6))]).toEqual(want);
      expect(await rt.readF32(b.params, n)).toEqual(w);
      expect(await rt.readF32(b.momenta, n)).toEqual(new Float32Array(n));
      expect(await rt.readF32(b.running, nr)).toEqual(run);
    });
  }
});

describe('v1 (shaders/dev/sgd_v1.wgsl)', () => {
  it('three SGD steps match the reference; a bad gradient stops the update', async () => {
    const rt = await runtime();
    const n = 1000;
    const rand = makeRng(3);
    const w = randn(n, rand);
    const wRef = Float64Array.from(w);
    const v = new Float64Array(n);
    const W = rt.upload(w);
    const V = rt.buffer(4 * n);
    const G = rt.buffer(4 * n);
    const status = rt.upload(new Uint32Array([NONE, 0, NONE, 0]));
    const step = stepBuffer(rt, { lr: 0.05, momentum: 0.9, index: 7 });
    for (let k = 0; k < 3; k++) {
      const g = randn(n, rand);
      rt.write(G, g);
      rt.run([findNonfiniteV1(rt, n, G, status), sgdStepV1(rt, n, 5e-4, step, W, G, V, status)]);
      refStep(wRef, g, v, Math.fround(0.05), 0.9, 5e-4);
    }
    expect(worst(await rt.readF32(W, n), wRef, 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    const bad = new Float32Array(n).fill(0.5);
    bad[301] = NaN;
    const before = await rt.readF32(W, n);
    rt.write(G, bad);
    rt.run([findNonfiniteV1(rt, n, G, status), sgdStepV1(rt, n, 0, step, W, G, V, status)]);
    expect([...(await rt.readU32(status, 3))]).toEqual([301, 0, 7]);
    expect(await rt.readF32(W, n)).toEqual(before);
  });
});
