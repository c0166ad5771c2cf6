// Training dynamics, collected on the GPU inside the step: every few steps the step's command
// buffer also reduces Σ g², Σ w², Σ v² for each parameter tensor (one dispatch, shaders/stats.wgsl)
// and copies them, with BatchNorm's running statistics, to a staging buffer mapped without waiting.
import type { Model } from '../engine/model';
import { slotNorms } from '../engine/ops/stats';
import type { Call, Runtime } from '../engine/runtime';

export interface TensorDynamics {
  /** state_dict key, e.g. "4.weight". */
  key: string;
  layer: number;
  gradNorm: number;
  weightNorm: number;
  /** ‖lr·v‖: the size of this step's update (SGD with momentum: w ← w − lr·v). */
  updateNorm: number;
}

export interface DynamicsSample {
  /** Global training step (0-based) the sample was taken after. */
  step: number;
  lr: number;
  tensors: TensorDynamics[];
  /** BatchNorm layers: running mean and variance per channel. */
  running: { layer: number; mean: number[]; var: number[] }[];
}

/** Milliseconds between samples (a sample costs one small dispatch and a 2-buffer copy). */
export const SAMPLE_MS = 400;

export class Dynamics {
  private out: GPUBuffer;
  private staging: GPUBuffer;
  private call: Call;
  private owned: GPUBuffer[] = [];
  private pending = false;
  private last = -Infinity;
  private normBytes: number;

  constructor(
    private rt: Runtime,
    private model: Model,
    private emit: (s: DynamicsSample) => void,
  ) {
    const slots = model.paramSlots;
    this.normBytes = 4 * 3 * slots.length;
    this.out = rt.collect(this.owned, () => rt.buffer(this.normBytes, 'dynamics'));
    this.call = rt.collect(this.owned, () => slotNorms(rt, slots, model.grads, model.params, model.momenta, this.out));
    this.staging = rt.device.createBuffer({
      size: this.normBytes + 4 * model.flatRunning,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: 'dynamics readback',
    });
  }

  /** The dispatch to append to this step, or none when a sample is not due (or one is in flight). */
  due(): Call[] {
    return this.pending || performance.now() - this.last < SAMPLE_MS ? [] : [this.call];
  }

  /** After a step that included the dispatch: copy, then map later; training does not wait. */
  collect(enc: GPUCommandEncoder): void {
    enc.copyBufferToBuffer(this.out, 0, this.staging, 0, this.normBytes);
    enc.copyBufferToBuffer(this.model.running, 0, this.staging, this.normBytes, 4 * this.model.flatRunning);
  }

  /** Start reading what collect() copied (call after the submit). */
  read(step: number, lr: number): void {
    this.pending = true;
    this.last = performance.now();
    this.staging
      .mapAsync(GPUMapMode.READ)
      .then(() => {
        const all = new Float32Array(this.staging.getMappedRange().slice(0));
        this.staging.unmap();
        this.emit(this.sample(step, lr, all));
      })
      .catch(() => undefined) // destroyed mid-read: the run is over
      .finally(() => (this.pending = false));
  }

  private sample(step: number, lr: number, all: Float32Array): DynamicsSample {
    const m = this.model;
    const tensors = m.paramSlots.map((s, k) => ({
      key: s.def.key,
      layer: s.layer,
      gradNorm: Math.sqrt(all[3 * k]),
      weightNorm: Math.sqrt(all[3 * k + 1]),
      updateNorm: lr * Math.sqrt(all[3 * k + 2]),
    }));
    const run = all.subarray(this.normBytes / 4);
    const running = m.infos
      .filter((l) => l.type === 'BatchNorm2d')
      .map((l) => {
        const mean = m.bufferSlots.find((s) => s.layer === l.index && s.def.name === 'running_mean')!;
        const v = m.bufferSlots.find((s) => s.layer === l.index && s.def.name === 'running_var')!;
        return { layer: l.index, mean: [...run.subarray(mean.offset, mean.offset + mean.size)], var: [...run.subarray(v.offset, v.offset + v.size)] };
      });
    return { step, lr, tensors, running };
  }

  destroy(): void {
    for (const b of this.owned) this.rt.destroy(b);
    this.staging.destroy();
  }
}
