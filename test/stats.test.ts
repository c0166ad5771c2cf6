// slot_norms (shaders/stats.wgsl) against the float64 reference, on slots of awkward sizes
// (empty, one value, not a multiple of the 256-thread stride, longer than it).
import { describe, expect, it } from 'vitest';
import { slotNorms } from '../src/engine/ops/stats';
import { slotNorms as refNorms } from '../src/engine/reference/stats';
import { makeRng } from '../src/engine/rng';
import { randn, runtime, worst } from './gpu';

describe('slot_norms vs float64 reference', () => {
  it('Σ g², Σ w², Σ v² per slot', async () => {
    const rt = await runtime();
    const sizes = [72, 1, 0, 300, 1153, 256, 10];
    let off = 0;
    const slots = sizes.map((size) => {
      const s = { offset: off, size };
      off += size + 7; // gaps between slots, as alignment leaves them
      return s;
    });
    const rand = makeRng(5);
    const [g, w, v] = [randn(off, rand), randn(off, rand, 3), randn(off, rand, 0.1)];
    const out = rt.buffer(4 * 3 * slots.length);
    rt.run([slotNorms(rt, slots, rt.upload(g), rt.upload(w), rt.upload(v), out)]);
    expect(worst(await rt.readF32(out, 3 * slots.length), refNorms(slots, g, w, v), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
  });
});

describe('Dynamics: a sample of the model as the step left it', () => {
  it('norms per tensor from the flat buffers, the update as lr·‖v‖, BatchNorm running statistics per channel', async () => {
    const { Model } = await import('../src/engine/model');
    const { Dynamics } = await import('../src/train/dynamics');
    const spec = (await import('../src/models/mnist-default.json')).default;
    const rt = await runtime();
    const m = new Model(rt, spec, [1, 28, 28]);
    m.init(3);
    const rand = makeRng(9);
    const [g, v] = [randn(m.flatParams, rand), randn(m.flatParams, rand, 0.01)];
    rt.write(m.grads, g);
    rt.write(m.momenta, v);
    const w = await rt.readF32(m.params);
    const got = await new Promise<import('../src/train/dynamics').DynamicsSample>((resolve) => {
      const d = new Dynamics(rt, m, resolve);
      const calls = d.due();
      expect(calls).toHaveLength(1);
      rt.run(calls, (enc) => d.collect(enc));
      d.read(41, 0.05);
      expect(d.due()).toEqual([]); // one sample in flight at a time
    });
    expect(got.step).toBe(41);
    expect(got.tensors.map((t) => t.key)).toEqual(m.paramSlots.map((s) => s.def.key));
    const ref = refNorms(m.paramSlots, g, w, v);
    got.tensors.forEach((t, k) => {
      expect(t.gradNorm).toBeCloseTo(Math.sqrt(ref[3 * k]), 4);
      expect(t.weightNorm).toBeCloseTo(Math.sqrt(ref[3 * k + 1]), 4);
      expect(t.updateNorm).toBeCloseTo(0.05 * Math.sqrt(ref[3 * k + 2]), 6);
    });
    const bn = got.running.find((r) => r.layer === 1)!;
    expect(bn.mean).toEqual(new Array(8).fill(0)); // freshly initialised: mean 0, variance 1
    expect(bn.var).toEqual(new Array(8).fill(1));
    m.destroy();
  });
});
