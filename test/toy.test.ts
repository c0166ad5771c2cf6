// The backprop notebook's 2-2-2 network: GPU (engine kernels, float32) against the float64
// reference, and both against the numbers the ERA sheet and the issue list.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERA_PRESET, iterationsBelow, MAZUR_PRESET, ToyGpu, toyReference, type ToySetup, type ToyState } from '../src/toy/toy';
import { runtime, worst } from './gpu';

const ERA = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'toy-era.json'), 'utf8'));

const fields = (s: ToyState) => [s.h1, s.h2, s.a_h1, s.a_h2, s.o1, s.o2, s.a_o1, s.a_o2, s.E1, s.E2, s.E_total, ...s.dw, s.db1, s.db2, ...s.w, s.b1, s.b2];

describe('toy network float64 reference: the ERA sheet numbers', () => {
  const [s0] = toyReference(ERA_PRESET, 0);
  it('forward pass', () => {
    const f = ERA.forward;
    expect(worst([s0.a_h1, s0.a_h2, s0.a_o1, s0.a_o2, s0.E_total], [f.a_h1, f.a_h2, f.a_o1, f.a_o2, f.E_total], 1e-15, 1e-12)).toBeLessThanOrEqual(1);
  });
  it('gradients at iteration 0', () => {
    expect(worst(s0.dw, ERA.gradients, 0, 1e-9)).toBeLessThanOrEqual(1);
  });
  it('learning-rate table', () => {
    for (const [lr, e1, e67, to3, to4] of ERA.learningRates.rows as number[][]) {
      const h = toyReference({ ...ERA_PRESET, lr }, 1000);
      expect(worst([h[1].E_total, h[67].E_total], [e1, e67], 0, 1e-9)).toBeLessThanOrEqual(1);
      expect([iterationsBelow(h, 1e-3), iterationsBelow(h, 1e-4)]).toEqual([to3, to4]);
    }
  });
});

describe('toy network on the GPU equals the float64 reference', () => {
  const cases: [string, ToySetup][] = [
    ['ERA sheet', ERA_PRESET],
    ['Mazur (fixed biases)', MAZUR_PRESET],
    ['Mazur with learned biases', { ...MAZUR_PRESET, learnBiases: true }],
    ['η = 2', { ...ERA_PRESET, lr: 2 }],
  ];
  for (const [name, setup] of cases)
    it(`${name}: 100 iterations`, async () => {
      const rt = await runtime();
      const gpu = new ToyGpu(rt, setup.biases, setup.learnBiases);
      const got = await gpu.run(setup, 100);
      gpu.destroy();
      const want = toyReference(setup, 100);
      expect(got.length).toBe(101);
      for (const k of [0, 1, 2, 50, 100]) expect(worst(fields(got[k]), fields(want[k]), 1e-7, 1e-5)).toBeLessThanOrEqual(1);
      if (setup.biases && !setup.learnBiases) expect(got[100].b1).toBe(Math.fround(setup.b1));
    });

  it('learning-rate table from the GPU: iterations to 1e-3 and 1e-4 match the reference', async () => {
    const rt = await runtime();
    const gpu = new ToyGpu(rt, false, false);
    for (const lr of [0.1, 0.5, 2]) {
      const got = await gpu.run({ ...ERA_PRESET, lr }, 800);
      const want = toyReference({ ...ERA_PRESET, lr }, 800);
      expect([iterationsBelow(got, 1e-3), iterationsBelow(got, 1e-4)]).toEqual([iterationsBelow(want, 1e-3), iterationsBelow(want, 1e-4)]);
      // E = ½(t − a_o)² with a_o ≈ 0.5 in float32 is only good to about 1e-10 absolute (t − a_o loses
      // the low bits of a_o), which is more than 1e-5 relative once E is near 1e-6 (η = 2).
      expect(worst([got[1].E_total, got[67].E_total], [want[1].E_total, want[67].E_total], 1e-10, 1e-5)).toBeLessThanOrEqual(1);
    }
    gpu.destroy();
  });
});
