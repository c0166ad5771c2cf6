// Why a training step went non-finite: the step is replayed (forward, loss, backward, no update:
// the weights are still those from before it) and the first layer output, the loss or the first
// gradient that is not finite is named; otherwise what the step guard flagged (shaders/sgd.wgsl).
import type { StepStatus, Model } from '../engine/model';
import type { Call, Runtime } from '../engine/runtime';
import type { StepProgram } from '../engine/step';
import { numel } from '../engine/tensor';
import type { NonFinite } from './trainer';

export interface ReplayedStep {
  rt: Runtime;
  model: Model;
  step: StepProgram;
  /** The step's input gather (augmentation) call. */
  feed: Call;
  lr: number;
  epoch: number;
  stepInEpoch: number;
  steps: number;
}

export async function diagnoseStep(r: ReplayedStep, st: StepStatus): Promise<NonFinite> {
  const { rt, model, step, lr } = r;
  const plan = step.plan;
  rt.run([r.feed, ...plan.forward, step.lossCall, ...plan.backward]);
  const at = { epoch: r.epoch + 1, step: r.stepInEpoch + 1 };
  const where = `epoch ${at.epoch}, step ${at.step} of ${r.steps}`;
  if (st.badLabel !== null)
    return {
      ...at,
      message: `Training stopped at ${where}: sample ${st.badLabel} of the batch has a label the model has no output for (it has ${numel(model.outShape)}). Nothing of this step was applied.`,
    };
  // A fused unit (BatchNorm2d → ReLU → Dropout) has one output: name the whole unit.
  const unit = (i: number) => plan.units.find((u) => u.first <= i && i <= u.last)!;
  const layerName = (i: number) => {
    const u = unit(i);
    const types = model.infos.slice(u.first, u.last + 1).map((l) => l.type);
    return u.first === u.last ? `layer ${i} (${types[0]})` : `layers ${u.first}–${u.last} (${types.join(' → ')}, computed together)`;
  };
  const finite = (a: Float32Array) => a.every(Number.isFinite);
  const lrText = `lr ${lr.toPrecision(3)}`;
  for (let i = 0; i < plan.acts.length; i++) {
    if (unit(i).last !== i) continue; // fused away: the unit's output is checked instead
    if (!finite(await rt.readF32(plan.acts[i].buf, numel(plan.acts[i].shape))))
      return {
        ...at,
        message: `Training stopped at ${where} (${lrText}): the output of ${layerName(i)} became NaN/Inf in the forward pass. The weights from before this step are kept; lower the learning rate and run again.`,
      };
  }
  const loss = (await rt.readF32(step.lossOut, 1))[0];
  if (!Number.isFinite(loss))
    return { ...at, message: `Training stopped at ${where} (${lrText}): the loss became ${loss}. The weights from before this step are kept.` };
  for (let i = plan.dacts.length - 1; i >= 0; i--) {
    const d = plan.dacts[i];
    if (!d) break;
    if (unit(i).last !== i) continue;
    if (!finite(await rt.readF32(d.buf, numel(d.shape))))
      return {
        ...at,
        message: `Training stopped at ${where} (${lrText}): the gradient flowing into ${layerName(i)}'s output became NaN/Inf in the backward pass. The weights from before this step are kept.`,
      };
  }
  const what = st.badGrad
    ? `the gradient of ${st.badGrad} became NaN/Inf`
    : st.badLoss
      ? 'the loss became NaN/Inf'
      : st.badUpdate
        ? `the SGD update would have made ${st.badUpdate} (or its momentum) NaN/Inf; lower the learning rate`
        : st.badRunning
          ? `BatchNorm's running statistic ${st.badRunning} would have become NaN/Inf`
          : 'a value became NaN/Inf';
  return { ...at, message: `Training stopped at ${where} (${lrText}): ${what}. The weights from before this step are kept.` };
}
