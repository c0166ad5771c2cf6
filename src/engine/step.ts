// A training (or evaluation) step as one list of dispatches:
//   forward → loss (+ its gradient) → backward → update check → update (running stats, SGD)
// recorded once per plan and replayed every step with no readback inside it.
import type { Mode } from './layers';
import type { Model, Plan } from './model';
import { halfSseLoss, nllLoss } from './ops/loss';
import { updateStep } from './ops/sgd';
import type { Call } from './runtime';
import { numel } from './tensor';

export type LossKind = 'nll' | 'half_sse';

/** Momentum and lr are per step (model.writeStep), so schedulers can change them. */
export interface SgdConfig {
  weightDecay: number;
}

/** What one step program runs: batch size, mode, loss, where its statistics go, the update. */
export interface StepOptions {
  N: number;
  mode: Mode;
  loss: LossKind;
  /** f32 × 4: accumulates [Σ loss·N, correct, N] across steps until the host clears it. */
  stats: GPUBuffer;
  /** SGD at the end of the step; without it the step only checks (and keeps running statistics). */
  sgd?: SgdConfig;
  /** Compute the gradient with respect to the input too. */
  inputGrad?: boolean;
  /** Calls to run between backward and the finite check (tying shared gradients, recording values). */
  beforeUpdate?: (p: { plan: Plan; lossOut: GPUBuffer }) => Call[];
}

export class StepProgram {
  readonly plan: Plan;
  readonly loss: LossKind;
  /** u32 class indices [N] (nll) or float targets shaped like the output (half_sse). */
  readonly target: GPUBuffer;
  /** out[0] = this step's loss. */
  readonly lossOut: GPUBuffer;
  readonly lossCall: Call;
  /** forward + loss: what an evaluation step runs. */
  readonly evalCalls: Call[];
  /** forward + loss + backward (+ beforeUpdate): gradients without an update. */
  readonly gradientCalls: Call[];
  /** forward + loss + backward + guard + running stats (+ SGD when configured). */
  readonly trainCalls: Call[];
  private owned: GPUBuffer[] = [];

  constructor(
    readonly model: Model,
    o: StepOptions,
  ) {
    const { N, mode, loss, stats, sgd: opt, beforeUpdate } = o;
    this.loss = loss;
    const rt = model.rt;
    this.plan = model.plan(N, mode, { inputGrad: o.inputGrad ?? false });
    const plan = this.plan;
    const C = numel(model.outShape);
    const built = rt.collect(this.owned, () => {
      const target = rt.buffer(4 * (loss === 'nll' ? N : N * C), 'target');
      const lossOut = rt.buffer(16, 'loss');
      const lossCall =
        loss === 'nll'
          ? nllLoss(rt, N, C, plan.output.buf, target, plan.dOutput.buf, lossOut, stats, model.status)
          : halfSseLoss(rt, N, C, plan.output.buf, target, plan.dOutput.buf, lossOut, model.status);
      const before = beforeUpdate?.({ plan, lossOut }) ?? [];
      const sizes = {
        n: model.flatParams,
        nUpdate: opt ? model.flatParams : 0,
        nRunning: mode === 'train' && model.bufferSlots.length ? model.flatRunning : 0,
        weightDecay: opt?.weightDecay ?? 0,
      };
      const { params, grads, momenta, running, batchStats, bnMomentum, status, step } = model;
      const tail: Call[] = [...before, ...updateStep(rt, sizes, { params, grads, momenta, running, batchStats, bnMomentum, status, step })];
      return { target, lossOut, lossCall, tail, before };
    });
    this.target = built.target;
    this.lossOut = built.lossOut;
    this.lossCall = built.lossCall;
    this.evalCalls = [...plan.forward, built.lossCall];
    this.gradientCalls = [...plan.forward, built.lossCall, ...plan.backward, ...built.before];
    this.trainCalls = [...plan.forward, built.lossCall, ...plan.backward, ...built.tail];
  }

  destroy(): void {
    for (const b of this.owned) this.model.rt.destroy(b);
    this.owned = [];
  }
}
