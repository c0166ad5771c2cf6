// Runs a gradient fixture (fixtures/README.md) through the engine and compares every tensor.
// The same code runs in Node (npm run gradcheck, vitest) and in the browser (fixtures/check.html).
import type { Mode } from './layers';
import { Model, type StateDict } from './model';
import type { Runtime } from './runtime';
import { SpecError } from './spec';
import { StepProgram, type LossKind } from './step';
import { numel, shapeStr } from './tensor';

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export interface Fixture {
  name: string;
  model: unknown;
  mode: Mode;
  loss: LossKind;
  input: FixtureTensor;
  target: FixtureTensor;
  params: Record<string, FixtureTensor>;
  buffers?: Record<string, FixtureTensor>;
  optimizer?: { type: 'SGD'; lr: number; momentum?: number; weight_decay?: number };
  dropoutSeed?: number;
  /** Several training steps on the same batch, each with its own rate, momentum and dropout seed. */
  trajectory?: { steps: { lr: number; momentum: number; dropoutSeed: number }[]; schedule?: unknown; trainSeed?: number };
  expected: {
    /** The loss at every step of a trajectory (output, loss and grads are then the last step's). */
    losses?: number[];
    output: FixtureTensor;
    loss: number;
    inputGrad?: FixtureTensor;
    grads: Record<string, FixtureTensor>;
    buffersAfter?: Record<string, FixtureTensor>;
    paramsAfterStep?: Record<string, FixtureTensor>;
  };
  tolerance: Tolerance;
}

/**
 * |got - want| ≤ abs + rel·|want| for every value and, with `scale`, max |got - want| ≤
 * scale·max |want| over the tensor: what a tensor of gradients far below abs needs to be able to fail.
 */
export interface Tolerance {
  abs: number;
  rel: number;
  scale?: number;
}

export interface TensorReport {
  tensor: string;
  count: number;
  maxAbs: number;
  maxRel: number;
  /** max |got - want| / (abs + rel·|want|), or of scale·max |want| where larger: ≤ 1 passes. */
  ratio: number;
  pass: boolean;
}

export interface FixtureResult {
  name: string;
  pass: boolean;
  /** The tensor with the largest ratio. */
  worst: TensorReport | null;
  tensors: TensorReport[];
  /** Set when the fixture could not be run (malformed, or refused by the engine). */
  error?: string;
}

export class FixtureError extends Error {
  override name = 'FixtureError';
}

function checkTensor(where: string, t: unknown, shape?: readonly number[]): asserts t is FixtureTensor {
  if (typeof t !== 'object' || t === null) throw new FixtureError(`${where}: missing (expected {shape, data})`);
  const { shape: s, data } = t as Partial<FixtureTensor>;
  if (!Array.isArray(s) || !s.every((v) => Number.isInteger(v) && v >= 0)) throw new FixtureError(`${where}.shape: must be a list of non-negative integers`);
  if (!Array.isArray(data) || !data.every((v) => typeof v === 'number')) throw new FixtureError(`${where}.data: must be a flat list of numbers`);
  if (data.length !== numel(s)) throw new FixtureError(`${where}: shape ${shapeStr(s)} holds ${numel(s)} values but data has ${data.length}`);
  if (shape && (shape.length !== s.length || shape.some((v, i) => v !== s[i])))
    throw new FixtureError(`${where}: shape ${shapeStr(s)} does not match the engine's ${shapeStr(shape)}`);
}

/** Structural checks with messages that name the key; numbers are checked against the model later. */
export function validateFixture(fx: unknown): asserts fx is Fixture {
  if (typeof fx !== 'object' || fx === null) throw new FixtureError('a fixture must be a JSON object');
  const f = fx as Partial<Fixture>;
  const need = (k: keyof Fixture) => {
    if (f[k] === undefined) throw new FixtureError(`missing key "${k}"`);
  };
  (['name', 'model', 'mode', 'loss', 'input', 'target', 'params', 'expected', 'tolerance'] as const).forEach(need);
  if (f.mode !== 'train' && f.mode !== 'eval') throw new FixtureError(`mode must be "train" or "eval", got ${JSON.stringify(f.mode)}`);
  if (f.loss !== 'nll' && f.loss !== 'half_sse') throw new FixtureError(`loss must be "nll" or "half_sse", got ${JSON.stringify(f.loss)}`);
  checkTensor('input', f.input);
  checkTensor('target', f.target);
  for (const [k, t] of Object.entries(f.params ?? {})) checkTensor(`params["${k}"]`, t);
  for (const [k, t] of Object.entries(f.buffers ?? {})) checkTensor(`buffers["${k}"]`, t);
  const e = f.expected!;
  if (typeof e !== 'object' || e === null) throw new FixtureError('expected: must be an object');
  if (e.output === undefined) throw new FixtureError('missing key "expected.output"');
  if (typeof e.loss !== 'number') throw new FixtureError('missing key "expected.loss" (a number)');
  if (typeof e.grads !== 'object' || e.grads === null) throw new FixtureError('missing key "expected.grads"');
  const tol = f.tolerance as unknown;
  if (typeof tol !== 'object' || tol === null || !((tol as Fixture['tolerance']).abs >= 0) || !((tol as Fixture['tolerance']).rel >= 0))
    throw new FixtureError(`tolerance: needs non-negative "abs" and "rel", got ${JSON.stringify(tol)}`);
  const scale = (tol as Tolerance).scale;
  if (scale !== undefined && !(typeof scale === 'number' && scale > 0))
    throw new FixtureError(`tolerance.scale: must be a positive number when given, got ${JSON.stringify(scale)}`);
  if (f.optimizer) {
    if (f.optimizer.type !== 'SGD') throw new FixtureError(`optimizer.type: only "SGD" is supported, got ${JSON.stringify(f.optimizer.type)}`);
    if (!(f.optimizer.lr > 0)) throw new FixtureError('optimizer.lr: must be a positive number');
  }
  if (f.trajectory !== undefined) {
    const st = f.trajectory?.steps;
    if (!f.optimizer) throw new FixtureError('trajectory: needs an "optimizer"');
    if (!Array.isArray(st) || st.length < 1) throw new FixtureError('trajectory.steps: must be a non-empty list');
    st.forEach((s, i) => {
      if (!(s?.lr > 0) || !(s.momentum >= 0) || !Number.isInteger(s.dropoutSeed))
        throw new FixtureError(`trajectory.steps[${i}]: needs lr > 0, momentum ≥ 0 and an integer dropoutSeed`);
    });
    if (!Array.isArray(e.losses) || e.losses.length !== st.length) throw new FixtureError(`expected.losses: needs one loss per trajectory step (${st.length})`);
  }
}

export function compare(name: string, got: ArrayLike<number>, want: FixtureTensor | number[], tol: Tolerance): TensorReport {
  const w = Array.isArray(want) ? want : want.data;
  let maxAbs = 0;
  let maxRel = 0;
  let ratio = 0;
  let top = 0;
  for (let i = 0; i < w.length; i++) {
    top = Math.max(top, Math.abs(w[i]));
    const d = Math.abs(got[i] - w[i]);
    const r = d === 0 ? 0 : d / (tol.abs + tol.rel * Math.abs(w[i]));
    // NaN anywhere is a failure.
    if (Number.isNaN(d)) ratio = Infinity;
    maxAbs = Math.max(maxAbs, d);
    if (w[i] !== 0) maxRel = Math.max(maxRel, d / Math.abs(w[i]));
    ratio = Math.max(ratio, r);
  }
  if (tol.scale !== undefined && maxAbs > 0) ratio = Math.max(ratio, top > 0 ? maxAbs / (tol.scale * top) : Infinity);
  return { tensor: name, count: w.length, maxAbs, maxRel, ratio, pass: ratio <= 1 };
}

/** Run one fixture; never throws for a bad fixture: the error is in the result. */
export async function runFixture(rt: Runtime, fx: unknown): Promise<FixtureResult> {
  const name = typeof (fx as Fixture)?.name === 'string' ? (fx as Fixture).name : '(unnamed)';
  let model: Model | null = null;
  let program: StepProgram | null = null;
  let stats: GPUBuffer | null = null;
  try {
    validateFixture(fx);
    const N = fx.input.shape[0];
    model = new Model(rt, fx.model, fx.input.shape.slice(1));
    const state: StateDict = { ...fx.params, ...(fx.buffers ?? {}) };
    model.setState(state, { requireBuffers: fx.mode === 'eval' });
    const C = numel(model.outShape);
    checkTensor('target', fx.target, fx.loss === 'nll' ? [N] : [N, ...model.outShape]);
    if (fx.loss === 'nll' && !fx.target.data.every((t) => Number.isInteger(t) && t >= 0 && t < C))
      throw new FixtureError(`target: class indices must be integers in [0, ${C})`);
    checkTensor('expected.output', fx.expected.output, [N, ...model.outShape]);
    if (fx.expected.inputGrad) checkTensor('expected.inputGrad', fx.expected.inputGrad, fx.input.shape);
    const checkSet = (where: string, set: Record<string, FixtureTensor> | undefined, slots: { def: { key: string; shape: number[] } }[]) => {
      if (!set) return;
      for (const k of Object.keys(set)) {
        const s = slots.find((x) => x.def.key === k);
        if (!s) throw new FixtureError(`${where}["${k}"]: the model has no such tensor`);
        checkTensor(`${where}["${k}"]`, set[k], s.def.shape);
      }
    };
    checkSet('expected.grads', fx.expected.grads, model.paramSlots);
    for (const s of model.paramSlots) if (!fx.expected.grads[s.def.key]) throw new FixtureError(`missing key "expected.grads.${s.def.key}"`);
    checkSet('expected.buffersAfter', fx.expected.buffersAfter, model.bufferSlots);
    checkSet('expected.paramsAfterStep', fx.expected.paramsAfterStep, model.paramSlots);
    if (fx.expected.paramsAfterStep && !fx.optimizer) throw new FixtureError('expected.paramsAfterStep needs an "optimizer"');

    stats = rt.buffer(16, 'stats');
    const opt = fx.optimizer ? { weightDecay: fx.optimizer.weight_decay ?? 0 } : undefined;
    program = new StepProgram(model, { N, mode: fx.mode, loss: fx.loss, stats, sgd: opt, inputGrad: true });
    const plan = program.plan;
    rt.write(plan.input.buf as GPUBuffer, Float32Array.from(fx.input.data));
    rt.write(program.target, fx.loss === 'nll' ? Uint32Array.from(fx.target.data) : Float32Array.from(fx.target.data));
    const tol = fx.tolerance;
    const reports: TensorReport[] = [];
    if (fx.trajectory) {
      const losses: number[] = [];
      for (const [k, s] of fx.trajectory.steps.entries()) {
        model.writeStep({ seed: s.dropoutSeed, index: k, offset: 0, count: N, lr: s.lr, momentum: s.momentum });
        rt.run(program.trainCalls);
        losses.push((await rt.readF32(program.lossOut, 1))[0]);
      }
      reports.push(compare('losses', losses, fx.expected.losses!, tol));
    } else {
      model.writeStep({ seed: fx.dropoutSeed ?? 0, index: 0, offset: 0, count: N, lr: fx.optimizer?.lr ?? 0, momentum: fx.optimizer?.momentum ?? 0 });
      rt.run(program.trainCalls);
    }

    reports.push(compare('output', await rt.readF32(plan.output.buf, N * C), fx.expected.output, tol));
    reports.push(compare('loss', await rt.readF32(program.lossOut, 1), [fx.expected.loss], tol));
    if (fx.expected.inputGrad) reports.push(compare('inputGrad', await rt.readF32(plan.inputGrad!.buf, numel(fx.input.shape)), fx.expected.inputGrad, tol));
    const grads = await model.readFlat(model.grads);
    for (const [k, t] of Object.entries(fx.expected.grads)) reports.push(compare(`grad ${k}`, grads[k], t, tol));
    if (fx.expected.buffersAfter) {
      const run = await model.readFlat(model.running, model.bufferSlots);
      for (const [k, t] of Object.entries(fx.expected.buffersAfter)) reports.push(compare(`after ${k}`, run[k], t, tol));
    }
    if (fx.expected.paramsAfterStep) {
      const p = await model.readFlat(model.params);
      for (const [k, t] of Object.entries(fx.expected.paramsAfterStep)) reports.push(compare(`step ${k}`, p[k], t, tol));
    }
    const worst = reports.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    return { name, pass: reports.every((r) => r.pass), worst, tensors: reports };
  } catch (e) {
    // A malformed fixture, a spec the engine refuses or work the GPU refused: one FAIL, never a crash.
    const kind = e instanceof FixtureError || e instanceof SpecError ? '' : `${(e as Error).name ?? 'error'}: `;
    return { name, pass: false, worst: null, tensors: [], error: `${kind}${(e as Error).message ?? String(e)}` };
  } finally {
    program?.destroy();
    model?.destroy();
    if (stats) rt.destroy(stats);
  }
}

/** One line per fixture: PASS/FAIL, the worst tensor and its errors. */
export function formatResult(r: FixtureResult): string {
  if (r.error) return `FAIL ${r.name}: ${r.error}`;
  const w = r.worst!;
  return `${r.pass ? 'PASS' : 'FAIL'} ${r.name}: worst ${w.tensor} max abs ${w.maxAbs.toExponential(2)} max rel ${w.maxRel.toExponential(2)} (${(w.ratio * 100).toFixed(1)}% of tolerance)`;
}
