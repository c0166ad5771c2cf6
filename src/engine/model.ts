// A Sequential model on the GPU. Every parameter lives in one flat buffer (and its gradient and
// momentum in two more with the same layout), every BatchNorm running statistic in another, so
// the optimizer, the finite check and the running-statistics update are one dispatch each.
// Where each tensor sits is the ParamLayout (params.ts); a Plan (plan.ts) holds the activations
// and dispatches for one batch size and mode, built once and kept here.
import { LimitError } from './gpu-errors';
import { gpuLayer, type GpuLayer, type Mode } from './layers';
import { ParamLayout, type Slot, type StateDict } from './params';
import { Plan } from './plan';
import type { Binding, Runtime } from './runtime';
import { parseSpec, readSpecText, SpecError, type LayerInfo } from './spec';
import type { Shape } from './tensor';

export type { Slot, StateDict };
export { Plan };

/** Step uniform (shaders' `Step`): seed for dropout, batch window into the index list, lr. */
export interface StepValues {
  seed: number;
  index: number;
  offset: number;
  count: number;
  lr: number;
  momentum: number;
}

/** The shaders' `struct Step` as bytes (32, a uniform buffer's size). */
export function packStep(v: Partial<StepValues>): ArrayBuffer {
  const b = new ArrayBuffer(32);
  const dv = new DataView(b);
  dv.setUint32(0, (v.seed ?? 0) >>> 0, true);
  dv.setUint32(4, (v.index ?? 0) >>> 0, true);
  dv.setUint32(8, (v.offset ?? 0) >>> 0, true);
  dv.setUint32(12, (v.count ?? 0) >>> 0, true);
  dv.setFloat32(16, v.lr ?? 0, true);
  dv.setFloat32(20, v.momentum ?? 0, true);
  return b;
}

export const STATUS_OK = 0xffffffff;

/** What the step guard found (Model.decodeStatus); names are state-dict keys with the element. */
export interface StepStatus {
  ok: boolean;
  /** The first gradient that was NaN/Inf. */
  badGrad: string | null;
  badLoss: boolean;
  /** The first weight (or its momentum) the update would have made NaN/Inf. */
  badUpdate: string | null;
  /** The first running statistic the update would have made NaN/Inf. */
  badRunning: string | null;
  /** Position in the batch of the first sample whose label has no output. */
  badLabel: number | null;
  /** The first step that was not applied. */
  badStep: number | null;
}

export class Model {
  readonly rt: Runtime;
  readonly spec: unknown;
  readonly infos: LayerInfo[];
  readonly layers: GpuLayer[];
  readonly inShape: number[];
  readonly outShape: number[];
  readonly layout: ParamLayout;
  readonly paramSlots: Slot[];
  readonly bufferSlots: Slot[];
  /** Number of trainable scalars (no padding). */
  readonly paramCount: number;
  /** Float counts of the flat buffers (with alignment padding). */
  readonly flatParams: number;
  readonly flatRunning: number;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly momenta: GPUBuffer;
  readonly running: GPUBuffer;
  readonly batchStats: GPUBuffer;
  readonly bnMomentum: GPUBuffer;
  /**
   * u32 × 8 (shaders/sgd.wgsl): [first non-finite gradient, loss non-finite (0/1), first skipped
   * step, first weight/momentum the update would make non-finite, first running statistic it
   * would, first sample with a label out of range, 0, 0]; "none" = STATUS_OK.
   */
  readonly status: GPUBuffer;
  readonly step: GPUBuffer;
  /** BatchNorm's num_batches_tracked, counted on the host. */
  batchesTracked = 0;
  private plans = new Map<string, Plan>();

  constructor(rt: Runtime, spec: unknown, inShape: Shape) {
    this.rt = rt;
    this.infos = parseSpec(spec, inShape); // refuses bad JSON and bad shapes with a SpecError
    this.spec = typeof spec === 'string' ? readSpecText(spec) : spec;
    this.inShape = [...inShape];
    this.layers = this.infos.map(gpuLayer);
    this.outShape = this.infos[this.infos.length - 1].outShape;
    this.layout = new ParamLayout(this.infos, rt.alignFloats);
    ({
      paramSlots: this.paramSlots,
      bufferSlots: this.bufferSlots,
      paramCount: this.paramCount,
      flatParams: this.flatParams,
      flatRunning: this.flatRunning,
    } = this.layout);

    if (4 * this.flatParams > rt.device.limits.maxStorageBufferBindingSize)
      throw new LimitError(
        `the model's ${this.paramCount.toLocaleString('en-US')} parameters need ${((4 * this.flatParams) / 2 ** 20).toFixed(0)} MiB in one binding; this adapter allows ${(rt.device.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB (maxStorageBufferBindingSize)`,
        'params',
        4 * this.flatParams,
        rt.device.limits.maxStorageBufferBindingSize,
        'maxStorageBufferBindingSize',
      );
    this.params = rt.buffer(4 * this.flatParams, 'params');
    this.grads = rt.buffer(4 * this.flatParams, 'grads');
    this.momenta = rt.buffer(4 * this.flatParams, 'momenta');
    this.running = rt.buffer(4 * this.flatRunning, 'running stats');
    this.batchStats = rt.buffer(4 * this.flatRunning, 'batch stats');
    this.bnMomentum = rt.upload(this.layout.bnMomenta, 'bn momentum');
    this.status = rt.buffer(32, 'status');
    this.step = rt.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'step' });
    this.resetStatus();
    this.resetRunning();
  }

  slice(buf: GPUBuffer, s: { offset: number; size: number }): GPUBufferBinding {
    return { buffer: buf, offset: 4 * s.offset, size: 4 * s.size };
  }

  slot(slots: Slot[], layer: number, name: string): Slot {
    return this.layout.slot(slots, layer, name);
  }

  /** Running statistics [mean.., var..] of BatchNorm layer `layer`. */
  runningSlice(buf: GPUBuffer, layer: number): GPUBufferBinding {
    const m = this.slot(this.bufferSlots, layer, 'running_mean');
    return this.slice(buf, { offset: m.offset, size: 2 * m.size });
  }

  resetStatus(): void {
    this.rt.write(this.status, new Uint32Array([STATUS_OK, 0, STATUS_OK, STATUS_OK, STATUS_OK, STATUS_OK, 0, 0]));
  }

  /** Decode a status read back from the GPU (see shaders/sgd.wgsl). */
  decodeStatus(s: Uint32Array): StepStatus {
    const at = (k: number, slots: Slot[]) => (s[k] === STATUS_OK ? null : this.layout.flatName(slots, s[k]));
    const badGrad = at(0, this.paramSlots);
    const badUpdate = at(3, this.paramSlots);
    const badRunning = at(4, this.bufferSlots);
    const badLabel = s[5] === STATUS_OK ? null : s[5];
    const badLoss = s[1] !== 0;
    return {
      ok: !badGrad && !badUpdate && !badRunning && badLabel === null && !badLoss,
      badGrad,
      badLoss,
      badUpdate,
      badRunning,
      badLabel,
      badStep: s[2] === STATUS_OK ? null : s[2],
    };
  }

  writeStep(v: StepValues): void {
    this.rt.device.queue.writeBuffer(this.step, 0, packStep(v));
  }

  resetRunning(): void {
    this.rt.write(this.running, this.layout.freshRunning());
    this.batchesTracked = 0;
  }

  /** PyTorch's default initialisation (U(±1/√fan_in) for conv/linear, γ = 1, β = 0), seeded. */
  init(seed: number): void {
    this.rt.write(this.params, this.layout.initParams(seed));
    this.rt.write(this.momenta, new Float32Array(this.flatParams));
    this.resetRunning();
  }

  /** See ParamLayout.checkState: the problems (empty when the state fits); nothing is written. */
  checkState(state: StateDict, requireBuffers = false): string[] {
    return this.layout.checkState(state, requireBuffers);
  }

  /** Load parameters (and buffers when given). Throws, changing nothing, when the state does not fit. */
  setState(state: StateDict, opts: { requireBuffers?: boolean } = {}): void {
    const problems = this.checkState(state, opts.requireBuffers);
    if (problems.length) throw new SpecError(`The weights do not fit the model:\n${problems.join('\n')}`);
    const flat = this.layout.pack(state);
    this.rt.write(this.params, flat.params);
    this.rt.write(this.momenta, new Float32Array(this.flatParams));
    if (flat.running) this.rt.write(this.running, flat.running);
    if (flat.batchesTracked !== null) this.batchesTracked = flat.batchesTracked;
  }

  /** Parameters and buffers as a state dict (float32, PyTorch names, layer order). */
  async getState(): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    return (await this.snapshot()).state;
  }

  /**
   * Parameters, running statistics and momenta as they are after the work submitted so far,
   * copied in one submission, so training can go on while they are read back.
   */
  async snapshot(): Promise<{ state: Record<string, { shape: number[]; data: Float32Array }>; momenta: Float32Array; batchesTracked: number }> {
    const batchesTracked = this.batchesTracked;
    const [p, r, m] = (await this.rt.readMany([this.params, this.running, this.momenta])).map((b) => new Float32Array(b));
    return { state: this.layout.unpack(p, r), momenta: m.slice(0, this.flatParams), batchesTracked };
  }

  async readFlat(buf: GPUBuffer, slots = this.paramSlots): Promise<Record<string, Float32Array>> {
    const all = await this.rt.readF32(buf);
    return Object.fromEntries(slots.map((s) => [s.def.key, all.slice(s.offset, s.offset + s.size)]));
  }

  /** The plan for batch size N and mode, built on first use and kept. */
  plan(N: number, mode: Mode, opts: { inputGrad?: boolean; unfused?: boolean } = {}): Plan {
    const key = `${N}:${mode}:${opts.inputGrad ? 1 : 0}:${opts.unfused ? 1 : 0}`;
    let p = this.plans.get(key);
    if (!p) {
      p = new Plan(this, N, mode, { inputGrad: Boolean(opts.inputGrad), unfused: Boolean(opts.unfused) });
      // A plan built while measuring holds no GPU objects: never kept.
      if (!this.rt.measuring) this.plans.set(key, p);
    }
    return p;
  }

  releasePlans(): void {
    for (const p of this.plans.values()) p.destroy();
    this.plans.clear();
  }

  destroy(): void {
    this.releasePlans();
    for (const b of [this.params, this.grads, this.momenta, this.running, this.batchStats, this.bnMomentum, this.status]) this.rt.destroy(b);
    this.step.destroy();
  }
}

export type { Binding };
