// The backprop notebook's 2-2-2 network: GPU (engine kernels, float32) against the float64
// reference, and both against the numbers the ERA sheet and the issue list.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERA_PRESET, iterationsBelow, MAZUR_PRESET, ToyGpu, toyReference, type ToySetup, type ToyState } from '../src/toy/toy';
import { agreement, Comparison, f32SpacingExponent, float32Limited } from '../src/toy/toy-compare';
import { formFromQuery, formToQuery, parseLrList, parseToyForm, toFields, type FieldText } from '../src/toy/toy-form';
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

describe('toy form (string → typed setup): strict, and float32-sized', () => {
  const input = (over: Partial<FieldText> = {}, biases = false) => ({ fields: { ...toFields(ERA_PRESET), ...over }, biases, learnBiases: false });
  it('the ERA preset round-trips', () => {
    expect(parseToyForm(input()).setup).toEqual(ERA_PRESET);
  });
  it('refuses what is not a plain number, η ≤ 0, and what float32 cannot hold (1e300 would be ∞ on the GPU)', () => {
    const cases: [Partial<FieldText>, string, RegExp][] = [
      [{ w3: 'abc' }, 'w3', /not a number/],
      [{ w3: '0x10' }, 'w3', /not a number/],
      [{ i1: ' ' }, 'i1', /required/],
      [{ lr: '0' }, 'lr', /η must be > 0/],
      [{ w5: '1e300' }, 'w5', /too large for float32/],
      [{ w5: '-3.5e38' }, 'w5', /too large for float32/],
      [{ t1: '1e999' }, 't1', /too large for float32/],
    ];
    for (const [over, field, message] of cases) {
      const f = parseToyForm(input(over));
      expect(f.setup, JSON.stringify(over)).toBeNull();
      expect(f.errors[field as keyof FieldText]).toMatch(message);
    }
    expect(parseToyForm(input({ w5: '3.4e38' })).setup?.w[4]).toBe(3.4e38);
  });
  it('flags, without refusing, what float32 rounds to 0 or to a subnormal', () => {
    expect(parseToyForm(input({ w5: '1e-40' })).notes.w5).toMatch(/float32/);
    expect(parseToyForm(input({ w5: '1e-50' })).notes.w5).toMatch(/the GPU uses 0/);
    expect(parseToyForm(input({ w5: '1e-40' })).setup?.w[4]).toBe(1e-40);
  });
  it('biases only count when switched on; the query sets the form and the link reproduces it', () => {
    expect(parseToyForm(input({ b1: 'x' })).setup).not.toBeNull();
    expect(parseToyForm(input({ b1: 'x' }, true)).errors.b1).toBe('not a number');
    const f = formFromQuery('?w5=0.42&b1=0.35&b2=0.6&learnBiases=1', input());
    expect([f.fields.w5, f.biases, f.learnBiases]).toEqual(['0.42', true, true]);
    expect(formFromQuery(`?${formToQuery(f)}`, input())).toEqual(f);
  });
  it('learning-rate lists', () => {
    expect(parseLrList('0.1, 0.5 2')).toEqual({ lrs: [0.1, 0.5, 2] });
    expect(parseLrList('0.5, abc')).toMatchObject({ error: expect.stringContaining('"abc"') });
    expect(parseLrList('')).toHaveProperty('error');
    expect(parseLrList('-1')).toHaveProperty('error');
    expect(parseLrList(Array(13).fill('0.1').join(','))).toHaveProperty('error');
  });
});

describe('GPU against float64 after convergence: abs + rel tolerance, not relative difference', () => {
  it('ERA sheet, η = 0.5, 2,000 iterations: E_total and the gradients reach 0 in float32, and still agree', async () => {
    const rt = await runtime();
    const gpu = new ToyGpu(rt, false, false);
    const c = new Comparison();
    let got: ToyState[] = [];
    let want: ToyState[] = [];
    for (let part = 0; part < 2; part++) {
      const g = got[got.length - 1];
      const w = want[want.length - 1];
      const more = await gpu.run(g ? { ...ERA_PRESET, w: g.w } : ERA_PRESET, 1000);
      const ref = toyReference(w ? { ...ERA_PRESET, w: w.w } : ERA_PRESET, 1000);
      const base = Math.max(0, got.length - 1);
      got = [...got.slice(0, base), ...more.map((s) => ({ ...s, iteration: base + s.iteration }))];
      want = [...want.slice(0, base), ...ref.map((s) => ({ ...s, iteration: base + s.iteration }))];
    }
    gpu.destroy();
    c.extend(got, want);
    expect(c.length).toBe(2001);
    const last = got[2000];
    // What the issue saw: float32 has 0 (or nearly) where float64 has 1e-30, a "relative difference" ≥ 1 …
    expect(Math.abs(last.E_total - want[2000].E_total) / want[2000].E_total).toBeGreaterThan(0.5);
    // … yet within tolerance everywhere, and the place where float32's limit shows is found.
    expect(c.upTo(2000)).toBeLessThanOrEqual(1);
    expect(c.limitedFrom).not.toBeNull();
    expect(c.limitedFrom!).toBeGreaterThan(100);
    expect(float32Limited(got[c.limitedFrom!], want[c.limitedFrom!])).toBe(true);
  });
  it('a real difference still counts', () => {
    const [s] = toyReference(ERA_PRESET, 0);
    expect(agreement(s, s)).toBe(0);
    expect(agreement({ ...s, dw: s.dw.map((v, i) => (i === 4 ? v * 1.01 : v)) }, s)).toBeGreaterThan(1);
    expect(agreement({ ...s, E_total: NaN }, s)).toBe(Infinity);
  });
  it("float32's spacing, as the panel states it", () => {
    expect(f32SpacingExponent(0.5)).toBe(-24);
    expect(f32SpacingExponent(1)).toBe(-23);
    expect(Math.fround(0.5 + 2 ** f32SpacingExponent(0.5))).not.toBe(0.5);
    expect(Math.fround(0.5 + 2 ** (f32SpacingExponent(0.5) - 2))).toBe(0.5);
    expect(f32SpacingExponent(0.01)).toBe(-30);
  });
});

describe('toy section structure', () => {
  it('no component file of the section is over ~250 lines', () => {
    const dir = join(__dirname, '..', 'src', 'toy');
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const lines = readFileSync(join(dir, f), 'utf8').split('\n').length;
      if (/customElement\(/.test(readFileSync(join(dir, f), 'utf8'))) expect(lines, f).toBeLessThanOrEqual(250);
    }
  });
});
