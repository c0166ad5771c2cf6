// A Sequential model on the GPU. Every parameter lives in one flat buffer (and its gradient and
// momentum in two more with the same layout), every BatchNorm running statistic in another, so
// the optimizer, the finite check and the running-statistics update are one dispatch each.
// A Plan holds the activations and dispatches for one batch size and mode, built once.
import { describeBuffer, LimitError } from './gpu-errors';
import { gpuLayer, isIdentity, planUnits, type GpuLayer, type LayerCtx, type Mode, type Unit } from './layers';
import { GradReducer } from './ops/reduce';
import { makeRng } from './rng';
import type { Binding, Call, Runtime } from './runtime';
import { countParams, parseSpec, readSpecText, SpecError, type LayerInfo, type TensorDef } from './spec';
import { numel, shapeStr, type Shape, type Tensor } from './tensor';

export interface Slot {
  def: TensorDef;
  layer: number;
  /** Offset in floats inside the flat buffer. */
  offset: number;
  size: number;
}

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

export type StateDict = Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;

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
  readonly paramSlots: Slot[] = [];
  readonly bufferSlots: Slot[] = [];
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
    this.paramCount = countParams(this.infos);

    const align = rt.alignFloats;
    const up = (n: number) => Math.ceil(n / align) * align;
    let off = 0;
    for (const l of this.infos)
      for (const def of l.params) {
        const size = numel(def.shape);
        this.paramSlots.push({ def, layer: l.index, offset: off, size });
        off = up(off + size);
      }
    this.flatParams = Math.max(off, 1);
    off = 0;
    const momentum: number[] = [];
    for (const l of this.infos) {
      if (l.type !== 'BatchNorm2d') continue;
      // [running_mean, running_var] adjacent, so a layer binds one slice for both.
      for (const def of l.buffers) {
        this.bufferSlots.push({ def, layer: l.index, offset: off, size: l.features });
        off += l.features;
      }
      while (momentum.length < off) momentum.push(l.momentum);
      off = up(off);
      while (momentum.length < off) momentum.push(0);
    }
    this.flatRunning = Math.max(off, 1);

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
    this.bnMomentum = rt.upload(new Float32Array(momentum.length ? momentum : [0]), 'bn momentum');
    this.status = rt.buffer(32, 'status');
    this.step = rt.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'step' });
    this.resetStatus();
    this.resetRunning();
  }

  slice(buf: GPUBuffer, s: { offset: number; size: number }): GPUBufferBinding {
    return { buffer: buf, offset: 4 * s.offset, size: 4 * s.size };
  }

  slot(slots: Slot[], layer: number, name: string): Slot {
    const s = slots.find((x) => x.layer === layer && x.def.name === name);
    if (!s) throw new Error(`layer ${layer} has no ${name}`);
    return s;
  }

  /** Running statistics [mean.., var..] of BatchNorm layer `layer`. */
  runningSlice(buf: GPUBuffer, layer: number): GPUBufferBinding {
    const m = this.slot(this.bufferSlots, layer, 'running_mean');
    return this.slice(buf, { offset: m.offset, size: 2 * m.size });
  }

  resetStatus(): void {
    this.rt.write(this.status, new Uint32Array([STATUS_OK, 0, STATUS_OK, STATUS_OK, STATUS_OK, STATUS_OK, 0, 0]));
  }

  /** The state-dict name (and element) of flat index `i` in `slots`. */
  private flatName(slots: Slot[], i: number): string {
    const s = slots.find((p) => i >= p.offset && i < p.offset + p.size);
    return s ? `${s.def.key}[${i - s.offset}]` : `flat index ${i}`;
  }

  /** Decode a status read back from the GPU (see shaders/sgd.wgsl). */
  decodeStatus(s: Uint32Array): StepStatus {
    const at = (k: number, slots: Slot[]) => (s[k] === STATUS_OK ? null : this.flatName(slots, s[k]));
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
    const r = new Float32Array(this.flatRunning);
    for (const s of this.bufferSlots) if (s.def.name === 'running_var') r.fill(1, s.offset, s.offset + s.size);
    this.rt.write(this.running, r);
    this.batchesTracked = 0;
  }

  /** PyTorch's default initialisation (U(±1/√fan_in) for conv/linear, γ = 1, β = 0), seeded. */
  init(seed: number): void {
    const rand = makeRng(seed);
    const flat = new Float32Array(this.flatParams);
    for (const s of this.paramSlots) {
      const l = this.infos[s.layer];
      if (l.type === 'BatchNorm2d') {
        if (s.def.name === 'weight') flat.fill(1, s.offset, s.offset + s.size);
        continue;
      }
      const fanIn = l.type === 'Conv2d' ? l.inC * l.kh * l.kw : l.type === 'Linear' ? l.inF : 1;
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < s.size; i++) flat[s.offset + i] = (2 * rand() - 1) * bound;
    }
    this.rt.write(this.params, flat);
    this.rt.write(this.momenta, new Float32Array(this.flatParams));
    this.resetRunning();
  }

  /**
   * Check a state dict against the model: every parameter present with the right shape, buffers
   * optional. Returns the problems (empty when it fits); nothing is written.
   */
  checkState(state: StateDict, requireBuffers = false): string[] {
    const problems: string[] = [];
    const known = new Set<string>();
    for (const s of [...this.paramSlots, ...this.bufferSlots]) {
      known.add(s.def.key);
      const t = state[s.def.key];
      const isBuffer = this.bufferSlots.includes(s);
      if (!t) {
        if (!isBuffer || requireBuffers) problems.push(`${s.def.key}: missing (expected shape ${shapeStr(s.def.shape)})`);
        continue;
      }
      if (!sameShape(t.shape, s.def.shape)) problems.push(`${s.def.key}: shape ${shapeStr(t.shape)} does not match the model's ${shapeStr(s.def.shape)}`);
      else if (t.data.length !== s.size) problems.push(`${s.def.key}: ${t.data.length} values for shape ${shapeStr(t.shape)}`);
      else {
        const bad = Array.prototype.findIndex.call(t.data, (v: number) => !Number.isFinite(v));
        if (bad >= 0) problems.push(`${s.def.key}: value ${bad} is ${t.data[bad]}; weights must be finite`);
        else if (s.def.name === 'running_var' && Array.prototype.some.call(t.data, (v: number) => v < 0)) problems.push(`${s.def.key}: a variance is negative`);
      }
    }
    for (const l of this.infos)
      if (l.type === 'BatchNorm2d') {
        const k = `${l.prefix}.num_batches_tracked`;
        known.add(k);
        const t = state[k];
        if (t && !(t.data.length === 1 && Number.isSafeInteger(Number(t.data[0])) && Number(t.data[0]) >= 0))
          problems.push(
            `${k}: must be one whole number ≥ 0, got ${Array.from(t.data as ArrayLike<number>)
              .slice(0, 3)
              .join(', ')}`,
          );
      }
    for (const k of Object.keys(state)) if (!known.has(k)) problems.push(`${k}: not a parameter or buffer of this model`);
    return problems;
  }

  /** Load parameters (and buffers when given). Throws, changing nothing, when the state does not fit. */
  setState(state: StateDict, opts: { requireBuffers?: boolean } = {}): void {
    const problems = this.checkState(state, opts.requireBuffers);
    if (problems.length) throw new SpecError(`The weights do not fit the model:\n${problems.join('\n')}`);
    const flat = new Float32Array(this.flatParams);
    for (const s of this.paramSlots) flat.set(Float32Array.from(state[s.def.key].data), s.offset);
    this.rt.write(this.params, flat);
    this.rt.write(this.momenta, new Float32Array(this.flatParams));
    if (this.bufferSlots.some((s) => state[s.def.key])) {
      const run = new Float32Array(this.flatRunning);
      for (const s of this.bufferSlots) {
        const t = state[s.def.key];
        if (t) run.set(Float32Array.from(t.data), s.offset);
        else if (s.def.name === 'running_var') run.fill(1, s.offset, s.offset + s.size);
      }
      this.rt.write(this.running, run);
    }
    const tracked = this.infos.find((l) => l.type === 'BatchNorm2d');
    const nbt = tracked ? state[`${tracked.prefix}.num_batches_tracked`] : undefined;
    if (nbt) this.batchesTracked = Number(nbt.data[0]);
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
    const state: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const s of this.paramSlots) state[s.def.key] = { shape: s.def.shape, data: p.slice(s.offset, s.offset + s.size) };
    for (const s of this.bufferSlots) state[s.def.key] = { shape: s.def.shape, data: r.slice(s.offset, s.offset + s.size) };
    return { state, momenta: m.slice(0, this.flatParams), batchesTracked };
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
      p = new Plan(this, N, mode, Boolean(opts.inputGrad), Boolean(opts.unfused));
      this.plans.set(key, p);
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

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Activations, gradients and dispatches for one batch size and mode. */
export class Plan {
  readonly N: number;
  readonly mode: Mode;
  input!: Tensor;
  /** Output of each layer, and the loss gradient w.r.t. it (aliases where a layer is the identity). */
  readonly acts: Tensor[] = [];
  readonly dacts: Tensor[] = [];
  inputGrad: Tensor | null = null;
  readonly forward: Call[] = [];
  readonly backward: Call[] = [];
  /** How the layers were grouped (BatchNorm2d → ReLU → Dropout runs as one unit). */
  units: Unit[] = [];
  private owned: GPUBuffer[] = [];

  /** `unfused`: every layer its own unit, so every layer's output and gradient is materialised (inspection). */
  constructor(
    readonly model: Model,
    N: number,
    mode: Mode,
    inputGrad: boolean,
    readonly unfused = false,
  ) {
    const { rt } = model;
    if (!Number.isInteger(N) || N < 1) throw new SpecError(`batch size must be a positive integer, got ${N}`);
    this.N = N;
    this.mode = mode;
    // Sized and checked against the device's limits first, so nothing is allocated for a plan
    // that cannot run, and the refusal can say which batch size would.
    try {
      rt.measure(() => this.build(inputGrad));
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
      throw new LimitError(this.limitMessage(e, inputGrad), e.what, e.need, e.allowed, e.limit);
    }
    this.reset();
    rt.collect(this.owned, () => this.build(inputGrad));
  }

  private reset(): void {
    this.acts.length = 0;
    this.dacts.length = 0;
    this.forward.length = 0;
    this.backward.length = 0;
    this.inputGrad = null;
  }

  /** "batch 3700 needs 130 MiB for layer 1's output; this adapter allows 128 MiB (…); the largest batch that fits is 3,640". */
  private limitMessage(e: LimitError, inputGrad: boolean): string {
    const fits = (n: number) => {
      const p = Object.create(Plan.prototype) as Plan;
      Object.assign(p, {
        model: this.model,
        N: n,
        mode: this.mode,
        unfused: this.unfused,
        acts: [],
        dacts: [],
        forward: [],
        backward: [],
        inputGrad: null,
        units: [],
        owned: [],
      });
      try {
        this.model.rt.measure(() => p.build(inputGrad));
        return true;
      } catch (err) {
        if (err instanceof LimitError || err instanceof SpecError) return false;
        throw err;
      }
    };
    let lo = 0;
    let hi = this.N;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    // A unit's output (Conv2d → BatchNorm2d → ReLU → Dropout computed together) is named as the unit.
    const infos = this.model.infos;
    const unitOf = (i: number) => this.units.find((u) => u.last === i && u.first < i);
    const name = (label: string) => {
      const m = /^act (\d+)$/.exec(label);
      const u = m ? unitOf(Number(m[1])) : undefined;
      if (!u) return describeBuffer(label, (i) => infos[i]?.type);
      return `the output of layers ${u.first}–${u.last} (${infos
        .slice(u.first, u.last + 1)
        .map((l) => l.type)
        .join(' → ')}, computed together)`;
    };
    const what = e.message.startsWith('kernel ') ? e.message : `${name(e.what)} needs ${e.message.replace(/^.* needs /, '')}`;
    const largest = lo >= 1 ? `the largest batch that fits is ${lo.toLocaleString('en-US')}` : 'no batch size fits: the model is too large for this adapter';
    return `batch ${this.N.toLocaleString('en-US')} (${this.mode}): ${what}; ${largest}`;
  }

  private build(inputGrad: boolean): void {
    const { model, N, mode } = this;
    const { rt, layers } = model;
    const tensor = (shape: number[], label: string): Tensor => ({ buf: rt.buffer(4 * N * numel(shape), label), shape: [N, ...shape] });
    const alias = (t: Tensor, shape: number[]): Tensor => ({ buf: t.buf, shape: [N, ...shape] });
    if (mode === 'train')
      for (const l of model.infos)
        if (l.type === 'BatchNorm2d' && N * l.inShape[1] * l.inShape[2] < 2)
          throw new SpecError(`layer ${l.index} (BatchNorm2d): train mode needs more than 1 value per channel (batch ${N}, input ${shapeStr(l.inShape)})`);

    const units = this.unfused ? layers.map((layer, i) => ({ first: i, last: i, layer })) : planUnits(layers, mode, rt.info.isFallback);
    const identity = (u: Unit) => u.first === u.last && isIdentity(u.layer, mode);
    this.units = units;
    // Activations: one buffer per unit output; inside a fused unit the intermediate outputs are
    // never materialised and name the unit's output.
    this.input = tensor(model.inShape, 'input');
    for (const u of units) {
      const prev = u.first === 0 ? this.input : this.acts[u.first - 1];
      const out = identity(u) ? alias(prev, layers[u.last].info.outShape) : tensor(layers[u.last].info.outShape, `act ${u.last}`);
      for (let i = u.first; i <= u.last; i++) {
        this.acts[i] = i === u.last ? out : alias(out, layers[i].info.outShape);
      }
    }
    // Gradients likewise, from the last unit down to the first one with parameters (or the input).
    const firstNeeded = inputGrad
      ? 0
      : Math.max(
          0,
          layers.findIndex((l) => l.info.params.length > 0),
        );
    const firstUnit = units.findIndex((u) => u.last >= firstNeeded);
    const L = layers.length;
    this.dacts[L - 1] = tensor(model.outShape, `grad ${L - 1}`);
    for (let k = units.length - 1; k >= firstUnit; k--) {
      const u = units[k];
      const dy = this.dacts[u.last];
      for (let i = u.first; i < u.last; i++) this.dacts[i] = alias(dy, layers[i].info.outShape);
      if (u.first === 0) {
        if (inputGrad) this.inputGrad = identity(u) ? alias(dy, model.inShape) : tensor(model.inShape, 'input grad');
      } else if (k > firstUnit) {
        this.dacts[u.first - 1] = identity(u) ? alias(dy, layers[u.first - 1].info.outShape) : tensor(layers[u.first - 1].info.outShape, `grad ${u.first - 1}`);
      }
    }

    const scratch = new Map<string, GPUBuffer>();
    // Split gradient reductions: first stages in the layers, the second all in one dispatch.
    const backUnits = units.slice(firstUnit).filter((u) => !identity(u));
    const reducer = new GradReducer(
      rt,
      backUnits.flatMap((u) => u.layer.partialFloats?.(N, rt) ?? []),
    );
    const ctx = (u: Unit): LayerCtx => {
      const i = u.first;
      return {
        rt,
        N,
        mode,
        x: i === 0 ? this.input : this.acts[i - 1],
        y: this.acts[u.last],
        dy: this.dacts[u.last],
        dx: i === 0 ? this.inputGrad : units.indexOf(u) > firstUnit ? this.dacts[i - 1] : null,
        param: (name) => model.slice(model.params, model.slot(model.paramSlots, i, name)),
        grad: (name) => model.slice(model.grads, model.slot(model.paramSlots, i, name)),
        paramAt: (layer, name) => model.slice(model.params, model.slot(model.paramSlots, layer, name)),
        gradAt: (layer, name) => model.slice(model.grads, model.slot(model.paramSlots, layer, name)),
        runningStats: (layer = i) => model.runningSlice(model.running, layer),
        batchStats: (layer = i) => model.runningSlice(model.batchStats, layer),
        scratch: (name, bytes) => {
          const k = `${i}:${name}`;
          let b = scratch.get(k);
          if (!b) {
            b = rt.buffer(bytes, `layer ${i} ${name}`);
            scratch.set(k, b);
          }
          return b;
        },
        step: model.step,
        partials: (floats) => reducer.take(floats),
        reduceLater: (s) => reducer.defer(s),
      };
    };
    // Each call is tagged with its unit's first layer (the plan report lists it).
    const tag = (u: Unit, calls: Call[]) => calls.map((c) => Object.assign(c, { layer: c.layer ?? u.first }));
    for (const u of units) if (!identity(u)) this.forward.push(...tag(u, u.layer.forward(ctx(u))));
    for (let k = units.length - 1; k >= firstUnit; k--) if (!identity(units[k])) this.backward.push(...tag(units[k], units[k].layer.backward(ctx(units[k]))));
    this.backward.push(...reducer.calls());
  }

  get output(): Tensor {
    return this.acts[this.acts.length - 1];
  }

  get dOutput(): Tensor {
    return this.dacts[this.dacts.length - 1];
  }

  /** Bytes of activation and gradient memory this plan holds. */
  get bytes(): number {
    return this.owned.reduce((s, b) => s + b.size, 0);
  }

  destroy(): void {
    for (const b of this.owned) this.model.rt.destroy(b);
    this.owned = [];
  }
}

export type { Binding };
