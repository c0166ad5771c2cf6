// Where every parameter and BatchNorm running statistic lives in the model's flat buffers, and the
// state dict (PyTorch names) read into and out of that layout. Pure: no GPU here (model.ts uploads).
import { makeRng } from './rng';
import type { LayerInfo, TensorDef } from './spec';
import { numel, shapeStr } from './tensor';

export interface Slot {
  def: TensorDef;
  layer: number;
  /** Offset in floats inside the flat buffer. */
  offset: number;
  size: number;
}

export type StateDict = Record<string, { shape: readonly number[]; data: ArrayLike<number> }>;

export class ParamLayout {
  readonly paramSlots: Slot[] = [];
  readonly bufferSlots: Slot[] = [];
  /** Number of trainable scalars (no padding). */
  readonly paramCount: number;
  /** Float counts of the flat buffers (with alignment padding). */
  readonly flatParams: number;
  readonly flatRunning: number;
  /** Per running-statistic float: its BatchNorm's momentum (0 in padding). */
  readonly bnMomenta: Float32Array;

  /** `alignFloats`: each tensor starts at a multiple of this (the device's binding offset alignment). */
  constructor(
    readonly infos: LayerInfo[],
    alignFloats: number,
  ) {
    const up = (n: number) => Math.ceil(n / alignFloats) * alignFloats;
    let off = 0;
    let count = 0;
    for (const l of infos)
      for (const def of l.params) {
        const size = numel(def.shape);
        this.paramSlots.push({ def, layer: l.index, offset: off, size });
        count += size;
        off = up(off + size);
      }
    this.paramCount = count;
    this.flatParams = Math.max(off, 1);
    off = 0;
    const momentum: number[] = [];
    for (const l of infos) {
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
    this.bnMomenta = new Float32Array(momentum.length ? momentum : [0]);
  }

  slot(slots: Slot[], layer: number, name: string): Slot {
    const s = slots.find((x) => x.layer === layer && x.def.name === name);
    if (!s) throw new Error(`layer ${layer} has no ${name}`);
    return s;
  }

  /** The state-dict name (and element) of flat index `i` in `slots`. */
  flatName(slots: Slot[], i: number): string {
    const s = slots.find((p) => i >= p.offset && i < p.offset + p.size);
    return s ? `${s.def.key}[${i - s.offset}]` : `flat index ${i}`;
  }

  /** Running statistics as a fresh BatchNorm has them: means 0, variances 1. */
  freshRunning(): Float32Array {
    const r = new Float32Array(this.flatRunning);
    for (const s of this.bufferSlots) if (s.def.name === 'running_var') r.fill(1, s.offset, s.offset + s.size);
    return r;
  }

  /** PyTorch's default initialisation (U(±1/√fan_in) for conv/linear, γ = 1, β = 0 for the norms), seeded. */
  initParams(seed: number): Float32Array {
    const rand = makeRng(seed);
    const flat = new Float32Array(this.flatParams);
    for (const s of this.paramSlots) {
      const l = this.infos[s.layer];
      if (l.type === 'BatchNorm2d' || l.type === 'GroupNorm' || l.type === 'LayerNorm') {
        if (s.def.name === 'weight') flat.fill(1, s.offset, s.offset + s.size);
        continue;
      }
      const fanIn = l.type === 'Conv2d' ? (l.inC / l.groups) * l.kh * l.kw : l.type === 'Linear' ? l.inF : 1;
      const bound = 1 / Math.sqrt(fanIn);
      for (let i = 0; i < s.size; i++) flat[s.offset + i] = (2 * rand() - 1) * bound;
    }
    return flat;
  }

  /**
   * Check a state dict against the layout: every parameter present with the right shape, buffers
   * optional. Returns the problems (empty when it fits).
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

  /**
   * A checked state dict in the flat layout: the parameters, the running statistics (null when
   * the state has none; missing ones fresh) and num_batches_tracked (null when absent).
   */
  pack(state: StateDict): { params: Float32Array; running: Float32Array | null; batchesTracked: number | null } {
    const params = new Float32Array(this.flatParams);
    for (const s of this.paramSlots) params.set(Float32Array.from(state[s.def.key].data), s.offset);
    let running: Float32Array | null = null;
    if (this.bufferSlots.some((s) => state[s.def.key])) {
      running = this.freshRunning();
      for (const s of this.bufferSlots) {
        const t = state[s.def.key];
        if (t) running.set(Float32Array.from(t.data), s.offset);
      }
    }
    const tracked = this.infos.find((l) => l.type === 'BatchNorm2d');
    const nbt = tracked ? state[`${tracked.prefix}.num_batches_tracked`] : undefined;
    return { params, running, batchesTracked: nbt ? Number(nbt.data[0]) : null };
  }

  /** The flat buffers' contents as a state dict (float32, PyTorch names, layer order). */
  unpack(params: Float32Array, running: Float32Array): Record<string, { shape: number[]; data: Float32Array }> {
    const state: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const s of this.paramSlots) state[s.def.key] = { shape: s.def.shape, data: params.slice(s.offset, s.offset + s.size) };
    for (const s of this.bufferSlots) state[s.def.key] = { shape: s.def.shape, data: running.slice(s.offset, s.offset + s.size) };
    return state;
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
