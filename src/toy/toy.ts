// The 2-2-2 sigmoid network of the backprop notebook (the ERA Session 6 sheet):
//   h = W1·i + b1, a_h = σ(h), o = W2·a_h + b2, a_o = σ(o), E = Σ ½(t − a_o)²
// W1 = [[w1, w2], [w3, w4]], W2 = [[w5, w6], [w7, w8]]; b1 and b2 are one shared value per layer.
// Two implementations with the same output: the engine on the GPU (float32, the same matmul,
// sigmoid, half-SSE and SGD kernels that train the CNN), and a float64 reference on the CPU.
import { Model, type Plan, type StateDict } from '../engine/model';
import { sigmoid } from '../engine/reference/activation';
import { advance, record } from '../engine/ops/record';
import { tieGrads } from '../engine/ops/sgd';
import type { Binding, Call, Runtime } from '../engine/runtime';
import { StepProgram } from '../engine/step';

export interface ToySetup {
  i1: number;
  i2: number;
  t1: number;
  t2: number;
  /** w1 … w8 */
  w: number[];
  /** Biases present (b1 on the hidden layer, b2 on the output layer). */
  biases: boolean;
  /** Whether b1 and b2 are updated by the step (Mazur's example keeps them fixed). */
  learnBiases: boolean;
  b1: number;
  b2: number;
  lr: number;
}

export const ERA_PRESET: ToySetup = {
  i1: 0.05,
  i2: 0.1,
  t1: 0.5,
  t2: 0.5,
  w: [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55],
  biases: false,
  learnBiases: false,
  b1: 0,
  b2: 0,
  lr: 0.5,
};

export const MAZUR_PRESET: ToySetup = {
  i1: 0.05,
  i2: 0.1,
  t1: 0.01,
  t2: 0.99,
  w: [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55],
  biases: true,
  learnBiases: false,
  b1: 0.35,
  b2: 0.6,
  lr: 0.5,
};

/** Everything the notebook shows for one iteration (weights are those used in this forward pass). */
export interface ToyState {
  iteration: number;
  w: number[];
  b1: number;
  b2: number;
  h1: number;
  h2: number;
  a_h1: number;
  a_h2: number;
  o1: number;
  o2: number;
  a_o1: number;
  a_o2: number;
  E1: number;
  E2: number;
  E_total: number;
  /** ∂E/∂w1 … ∂E/∂w8 */
  dw: number[];
  /** ∂E/∂b1, ∂E/∂b2 (0 without biases) */
  db1: number;
  db2: number;
}

/** float64 reference: `iterations` + 1 states (iteration 0 is the starting point). */
export function toyReference(s: ToySetup, iterations: number): ToyState[] {
  const out: ToyState[] = [];
  const w = [...s.w];
  let b1 = s.biases ? s.b1 : 0;
  let b2 = s.biases ? s.b2 : 0;
  for (let k = 0; k <= iterations; k++) {
    const h1 = w[0] * s.i1 + w[1] * s.i2 + b1;
    const h2 = w[2] * s.i1 + w[3] * s.i2 + b1;
    const a_h1 = sigmoid(h1);
    const a_h2 = sigmoid(h2);
    const o1 = w[4] * a_h1 + w[5] * a_h2 + b2;
    const o2 = w[6] * a_h1 + w[7] * a_h2 + b2;
    const a_o1 = sigmoid(o1);
    const a_o2 = sigmoid(o2);
    const E1 = 0.5 * (s.t1 - a_o1) ** 2;
    const E2 = 0.5 * (s.t2 - a_o2) ** 2;
    // Chain rule, as the notebook writes it.
    const d_o1 = (a_o1 - s.t1) * a_o1 * (1 - a_o1);
    const d_o2 = (a_o2 - s.t2) * a_o2 * (1 - a_o2);
    const d_ah1 = d_o1 * w[4] + d_o2 * w[6];
    const d_ah2 = d_o1 * w[5] + d_o2 * w[7];
    const d_h1 = d_ah1 * a_h1 * (1 - a_h1);
    const d_h2 = d_ah2 * a_h2 * (1 - a_h2);
    const dw = [d_h1 * s.i1, d_h1 * s.i2, d_h2 * s.i1, d_h2 * s.i2, d_o1 * a_h1, d_o1 * a_h2, d_o2 * a_h1, d_o2 * a_h2];
    const db1 = s.biases ? d_h1 + d_h2 : 0;
    const db2 = s.biases ? d_o1 + d_o2 : 0;
    out.push({ iteration: k, w: [...w], b1, b2, h1, h2, a_h1, a_h2, o1, o2, a_o1, a_o2, E1, E2, E_total: E1 + E2, dw, db1, db2 });
    for (let j = 0; j < 8; j++) w[j] -= s.lr * dw[j];
    if (s.biases && s.learnBiases) {
      b1 -= s.lr * db1;
      b2 -= s.lr * db2;
    }
  }
  return out;
}

export function toySpec(biases: boolean) {
  return [
    { type: 'Linear', in_features: 2, out_features: 2, bias: biases },
    { type: 'Sigmoid' },
    { type: 'Linear', in_features: 2, out_features: 2, bias: biases },
    { type: 'Sigmoid' },
  ];
}

/**
 * The network on the GPU. run() records every iteration (forward, half-SSE, backward, shared-bias
 * gradient sum, SGD) into one compute pass; record kernels inside the pass write each iteration's
 * weights, activations, loss and gradients to a history buffer, read back once at the end.
 */
export class ToyGpu {
  private model: Model;
  private program: StepProgram;
  private owned: GPUBuffer[] = [];
  private history: GPUBuffer;
  private counter: GPUBuffer;
  /** Floats per recorded iteration: params | activations h, a_h, o, a_o (8) | loss (+3) | gradients. */
  private stride: number;
  readonly maxIterations: number;

  constructor(
    readonly rt: Runtime,
    readonly biases: boolean,
    readonly learnBiases: boolean,
    maxIterations = 1000,
  ) {
    const m = (this.model = new Model(rt, toySpec(biases), [2]));
    const P = m.flatParams;
    this.stride = P + 8 + 4 + P;
    this.maxIterations = maxIterations;
    const slot = (k: string) => m.paramSlots.find((s) => s.def.key === k)!.offset;
    const pairs = (keep: number) =>
      rt.upload(new Uint32Array([slot('0.bias'), slot('0.bias') + 1, keep, slot('2.bias'), slot('2.bias') + 1, keep]), 'toy bias pairs');
    const { history, counter, stats } = rt.collect(this.owned, () => ({
      stats: rt.buffer(16, 'toy stats'),
      history: rt.buffer(4 * this.stride * (maxIterations + 1), 'toy history'),
      counter: rt.buffer(16, 'toy counter'),
    }));
    this.history = history;
    this.counter = counter;
    const rec = (n: number, offset: number, src: Binding) => record(rt, n, this.stride, offset, counter, src, history);
    const before = ({ plan, lossOut }: { plan: Plan; lossOut: GPUBuffer }): Call[] =>
      rt.collect(this.owned, () => [
        // b1 (b2) is one value used by both neurons: its gradient is the sum of the two.
        ...(biases ? [tieGrads(rt, pairs(1), 2, m.grads)] : []),
        rec(P, 0, m.params),
        ...plan.acts.map((t, i) => rec(2, P + 2 * i, t.buf)),
        rec(1, P + 8, lossOut),
        rec(P, P + 12, m.grads),
        advance(rt, counter),
        // Fixed biases: their gradient was recorded; zeroing it makes the step leave them alone.
        ...(biases && !learnBiases ? [tieGrads(rt, pairs(0), 2, m.grads)] : []),
      ]);
    this.program = new StepProgram(m, { N: 1, mode: 'train', loss: 'half_sse', stats, sgd: { weightDecay: 0 }, beforeUpdate: before });
  }

  async run(s: ToySetup, iterations: number): Promise<ToyState[]> {
    if (iterations > this.maxIterations) throw new Error(`at most ${this.maxIterations} iterations per run`);
    const { rt, model: m, program: p } = this;
    const state: StateDict = {
      '0.weight': { shape: [2, 2], data: s.w.slice(0, 4) },
      '2.weight': { shape: [2, 2], data: s.w.slice(4, 8) },
    };
    if (this.biases) {
      state['0.bias'] = { shape: [2], data: [s.b1, s.b1] };
      state['2.bias'] = { shape: [2], data: [s.b2, s.b2] };
    }
    m.setState(state);
    m.resetStatus();
    rt.write(this.counter, new Uint32Array(4));
    rt.write(p.plan.input.buf as GPUBuffer, new Float32Array([s.i1, s.i2]));
    rt.write(p.target, new Float32Array([s.t1, s.t2]));
    m.writeStep({ seed: 0, index: 0, offset: 0, count: 1, lr: s.lr, momentum: 0 });
    const calls = [];
    // The last iteration is evaluated but not applied: its update belongs to the next run.
    for (let k = 0; k < iterations; k++) calls.push(...p.trainCalls);
    calls.push(...p.gradientCalls);
    rt.run(calls);
    const P = m.flatParams;
    const stride = this.stride;
    const h = await rt.readF32(this.history, stride * (iterations + 1));
    rt.throwIfErrors('the backprop network'); // a refused dispatch reads back zeros, never shown as numbers

    const off = (k: string) => m.paramSlots.find((x) => x.def.key === k)!.offset;
    const [w1, w2, b1o, b2o] = [off('0.weight'), off('2.weight'), this.biases ? off('0.bias') : -1, this.biases ? off('2.bias') : -1];
    const out: ToyState[] = [];
    for (let k = 0; k <= iterations; k++) {
      const r = h.subarray(k * stride, (k + 1) * stride);
      const a = r.subarray(P, P + 8);
      const g = r.subarray(P + 12);
      const a_o1 = a[6];
      const a_o2 = a[7];
      out.push({
        iteration: k,
        w: [...r.subarray(w1, w1 + 4), ...r.subarray(w2, w2 + 4)],
        b1: this.biases ? r[b1o] : 0,
        b2: this.biases ? r[b2o] : 0,
        h1: a[0],
        h2: a[1],
        a_h1: a[2],
        a_h2: a[3],
        o1: a[4],
        o2: a[5],
        a_o1,
        a_o2,
        E1: 0.5 * (s.t1 - a_o1) ** 2,
        E2: 0.5 * (s.t2 - a_o2) ** 2,
        E_total: r[P + 8],
        dw: [...g.subarray(w1, w1 + 4), ...g.subarray(w2, w2 + 4)],
        db1: this.biases ? g[b1o] : 0,
        db2: this.biases ? g[b2o] : 0,
      });
    }
    return out;
  }

  destroy(): void {
    this.program.destroy();
    this.model.destroy();
    for (const b of this.owned) this.rt.destroy(b);
    this.owned = [];
  }
}

/** Iterations until E_total first drops below `threshold` (null when it never does). */
export function iterationsBelow(states: ToyState[], threshold: number): number | null {
  const k = states.findIndex((s) => s.E_total < threshold);
  return k < 0 ? null : k;
}
