// Every PyTorch gradient fixture through the engine in Node (Dawn).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatResult, runFixture } from '../src/engine/fixtures';
import { pcg } from '../src/engine/rng';
import { Model } from '../src/engine/model';
import { StepProgram } from '../src/engine/step';
import { makeSchedule } from '../src/train/schedule';
import { TUNING_KINDS } from '../src/engine/tuning';
import { runtime, runtimeAs } from './gpu';

const dir = join(__dirname, '..', 'fixtures', 'gradients');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));

// Each Tuning plans the work its own way (splits, tiles, fusions; defaults: WebGPU's default limits).
for (const kind of TUNING_KINDS)
  describe(`PyTorch gradient fixtures (Node), tuning ${kind}`, () => {
    it('has fixtures', () => expect(files.length).toBeGreaterThan(20));
    for (const f of files)
      it(f, async () => {
        const r = await runFixture(await runtimeAs(kind), load(f));
        if (kind === 'cpu') console.log(formatResult(r));
        expect(r.error).toBeUndefined();
        expect(r.tensors.filter((t) => !t.pass)).toEqual([]);
        expect(r.pass).toBe(true);
      });
  });

describe('the comparison can fail', () => {
  it('an expected gradient off by 1% in one element is reported as FAIL, naming the tensor', async () => {
    const fx = load('small_cnn_train_sgd.json');
    fx.expected.grads['4.weight'].data[2] *= 1.01;
    const r = await runFixture(await runtime(), fx);
    expect(r.pass).toBe(false);
    expect(r.worst?.tensor).toBe('grad 4.weight');
    expect(formatResult(r)).toMatch(/^FAIL small_cnn_train_sgd: worst grad 4\.weight/);
  });
});

describe('a tolerance of scale', () => {
  // A sure row's gradients (1e-14 at margin 30) are far below abs: only the scale rule sees them wrong.
  it('fails a tensor of tiny gradients all 1% off, which abs and rel alone pass', async () => {
    const fx = load('log_softmax_nll_margins.json');
    const row = (d: number[], k = 1) => d.slice(40, 50).map((v) => k * v); // row 4: label 3, its argmax
    const one = {
      ...fx,
      input: { shape: [1, 10], data: row(fx.input.data) },
      target: { shape: [1], data: [fx.target.data[4]] },
      tolerance: { abs: 1e-5, rel: 1e-4, scale: 1e-3 },
    };
    const out = row(fx.expected.output.data);
    // One row of six: the mean over the batch made the fixture's gradient 1/6 of this row's.
    one.expected = {
      ...fx.expected,
      output: { shape: [1, 10], data: out },
      loss: -out[fx.target.data[4]],
      inputGrad: { shape: [1, 10], data: row(fx.expected.inputGrad.data, 6) },
    };
    const ok = await runFixture(await runtime(), one);
    expect(ok.tensors.filter((t) => !t.pass)).toEqual([]);
    one.expected.inputGrad.data = one.expected.inputGrad.data.map((v: number) => 1.01 * v);
    const r = await runFixture(await runtime(), one);
    expect(r.worst?.tensor).toBe('inputGrad');
    expect(r.worst!.maxAbs).toBeLessThan(1e-11);
    expect(r.pass).toBe(false);
    expect((await runFixture(await runtime(), { ...one, tolerance: { abs: 1e-5, rel: 1e-4 } })).pass).toBe(true);
  });
});

describe('malformed fixtures get a clear error, not a crash or NaN', () => {
  const base = () => load('small_cnn_train_sgd.json');
  const cases: [string, (fx: any) => void, RegExp][] = [
    ['missing key', (fx) => delete fx.expected, /missing key "expected"/],
    ['missing gradient', (fx) => delete fx.expected.grads['0.weight'], /expected\.grads\.0\.weight/],
    [
      'parameter of the wrong shape',
      (fx) => (fx.params['0.weight'].shape = [4, 1, 9]),
      /0\.weight.*shape \[4, 1, 9\] holds 36 values but data has 36|0\.weight: shape \[4, 1, 9\] does not match the model's \[4, 1, 3, 3\]/,
    ],
    ['input data shorter than its shape', (fx) => fx.input.data.pop(), /input: shape \[3, 1, 9, 9\] holds 243 values but data has 242/],
    [
      'output shape that does not match the model',
      (fx) => (fx.expected.output = { shape: [3, 4], data: new Array(12).fill(0) }),
      /expected\.output: shape \[3, 4\] does not match the engine's \[3, 3\]/,
    ],
    ['unknown parameter', (fx) => (fx.params['9.weight'] = { shape: [1], data: [1] }), /9\.weight: not a parameter or buffer of this model/],
    ['class index out of range', (fx) => (fx.target.data[0] = 3), /class indices must be integers in \[0, 3\)/],
    [
      'model whose shapes do not chain',
      (fx) => (fx.model[4].in_channels = 5),
      /layer 4 \(Conv2d\): expects input \[5, H, W\].*\[4, 4, 4\] from layer 3 \(MaxPool2d\)/,
    ],
    ['unknown loss', (fx) => (fx.loss = 'mse'), /loss must be "nll" or "half_sse"/],
    ['a scale that is not a positive number', (fx) => (fx.tolerance.scale = 0), /^tolerance\.scale: must be a positive number when given, got 0$/],
  ];
  for (const [what, mutate, message] of cases)
    it(what, async () => {
      const fx = base();
      mutate(fx);
      const r = await runFixture(await runtime(), fx);
      expect(r.pass).toBe(false);
      expect(r.error).toMatch(message);
    });
});

describe('the loss trajectory (ten training steps against PyTorch)', () => {
  const fx = load('mnist_default_trajectory.json');
  it('uses the OneCycle schedule and dropout seeds the trainer uses', () => {
    const s = fx.trajectory.schedule;
    const at = makeSchedule({ type: 'OneCycleLR' }, { lr: s.max_lr, momentum: 0.9, epochs: s.epochs, stepsPerEpoch: s.stepsPerEpoch });
    expect(fx.trajectory.steps).toHaveLength(10);
    fx.trajectory.steps.forEach((st: { lr: number; momentum: number; dropoutSeed: number }, k: number) => {
      expect(st.lr).toBeCloseTo(at(k).lr, 12);
      expect(st.momentum).toBeCloseTo(at(k).momentum, 12);
      expect(st.dropoutSeed).toBe(pcg((pcg(fx.trajectory.trainSeed) + k) >>> 0));
    });
    expect(fx.optimizer.weight_decay).toBeGreaterThan(0);
  });
  it('a loss off by 1e-3 at one step is reported as FAIL', async () => {
    const bad = structuredClone(fx);
    bad.expected.losses[6] += 1e-3;
    const r = await runFixture(await runtime(), bad);
    expect(r.pass).toBe(false);
    expect(r.worst?.tensor).toBe('losses');
  });
});

describe('the S5 trajectory (3 steps at batch 4) goes through the GEMM kernels (a CPU tuning: the barrier-free ones)', () => {
  // What it proves holds only if its plan takes the GEMMs: read from the step's own dispatches.
  // On a CPU tuning the wide layers take conv_cpu_unrolled.wgsl (10×10 · 4 = 400 pixels: no
  // multiple of its 128-pixel block), dw of under 128 output channels conv_cpu.wgsl's looped block.
  const fx = load('s5_trajectory_b4.json');
  for (const kind of TUNING_KINDS)
    it(`tuning ${kind}`, async () => {
      const rt = await runtimeAs(kind);
      const model = new Model(rt, fx.model, [1, 28, 28]);
      const stats = rt.buffer(16, 'stats');
      const program = new StepProgram(model, { N: 4, mode: 'train', loss: 'nll', stats, sgd: { weightDecay: 5e-4 }, inputGrad: true });
      const calls = program.trainCalls;
      const kernels = new Set(calls.map((c) => c.kernel));
      const family = kind === 'cpu' ? 'conv_cpu_unrolled' : 'conv_gemm';
      for (const k of ['forward', 'backward_input', 'backward_weight']) expect(kernels.has(`${family}_${k}`), `${family}_${k}`).toBe(true);
      if (kind === 'cpu') expect(kernels.has('conv_cpu_backward_weight'), 'conv_cpu_backward_weight (conv 32→64)').toBe(true);
      for (const k of kernels) expect(k.startsWith(kind === 'cpu' ? 'conv_gemm' : 'conv_cpu'), k).toBe(false);
      // dw split along K (grid z = the split) and reduced (a CPU tuning's splits: test/conv_cpu.test.ts).
      if (kind !== 'cpu') expect(calls.some((c) => c.kernel === 'conv_gemm_backward_weight' && c.workgroups[2] > 1)).toBe(true);
      // The Linear 4096→50's split-K GEMM where the tuning plans as a GPU.
      if (kind !== 'cpu') for (const k of ['gemm', 'gemm_sum']) expect(kernels.has(k), k).toBe(true);
      program.destroy();
      model.destroy();
      rt.destroy(stats);
    });
});
