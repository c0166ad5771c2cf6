// The one place that talks to GPUDevice for compute: pipelines (cached), buffers (counted),
// uniform parameter blocks, bind groups and dispatches. An op declares a dispatch as a record
// (`Dispatch`: a kernel, its buffers by WGSL name, the grid, its cost); `dispatch` checks it and
// builds a `Call`; a training step is a list of Calls recorded into one compute pass.
// One class (~480 lines) because every GPU object goes through it: the live-byte count, the dry
// mode of measure() and the error scopes must each see all of them.
import type { GpuInfo } from './gpu';
import { bytesText, GpuError, LimitError } from './gpu-errors';
import { checkBindings, type Kernel } from './kernel';
import { chooseTuning, type Tuning } from './tuning';

export type Binding = GPUBuffer | GPUBufferBinding;

/**
 * What one dispatch costs, as its op estimates it (shown by `npm run bench -- --plan`): bytes read
 * plus written (each buffer range the kernel touches, counted once), floating-point operations,
 * and the longest loop one thread runs serially (iterations).
 */
export interface Cost {
  bytes: number;
  flops: number;
  serial: number;
}

/** One recorded dispatch: built once per plan, encoded every step. */
export interface Call {
  label: string;
  /** The pipeline and its bindings; null for a Call built while measuring (never encoded). */
  gpu: { pipeline: GPUComputePipeline; bindGroup: GPUBindGroup } | null;
  workgroups: [number, number, number];
  /** Kernel entry point and its threads per workgroup (read from the WGSL's @workgroup_size). */
  kernel: string;
  workgroupSize: number;
  /** Bytes of var<workgroup> its kernel entry uses. */
  workgroupStorage: number;
  /** The model layer it belongs to (set by the plan; undefined for input, loss and update). */
  layer?: number;
  /** The op's estimate; when an op gives none, bytes is the size of every bound storage buffer. */
  bytes: number;
  flops: number | null;
  /** The longest loop one thread runs (iterations): Cost.serial. */
  serial: number | null;
}

/**
 * One dispatch as an op declares it: the kernel, its buffers by WGSL name, the grid, the
 * pipeline-overridable constants and the op's cost estimate. `label` defaults to the entry point.
 */
export interface Dispatch {
  kernel: Kernel;
  bind: Record<string, Binding>;
  grid: [number, number?, number?];
  constants?: Record<string, number>;
  cost?: Cost;
  label?: string;
}

/** A pipeline: a kernel and its pipeline-overridable constants (what measure records, compile compiles). */
export interface PipelineRef {
  kernel: Kernel;
  constants?: Record<string, number>;
}

/** What a dry build would create (Runtime.measure): its buffers and the pipelines it would dispatch. */
export interface Measured {
  buffers: { label: string; bytes: number }[];
  pipelines: PipelineRef[];
}

/** Parameter block for a kernel's `params` uniform: u32 fields first, then f32 fields, in order. */
export interface Params {
  u?: number[];
  f?: number[];
}

export class Runtime {
  readonly device: GPUDevice;
  readonly info: GpuInfo;
  /** How the ops shape their work for this device (tuning.ts), chosen once here. */
  readonly tuning: Tuning;
  /** Bytes of live buffers created through this runtime (what the notebook shows). */
  liveBytes = 0;
  liveBuffers = 0;
  /** Dispatches and submits, counted for the benchmarks. */
  dispatches = 0;
  submits = 0;
  /** Pipelines compiled synchronously because a dispatch needed one not compiled before. */
  compiledOnDemand = 0;
  private pipelines = new Map<string, GPUComputePipeline>();
  private pending = new Map<string, Promise<GPUComputePipeline>>();
  private modules = new Map<string, GPUShaderModule>();
  private live = new Set<GPUBuffer>();
  private dummyBuf: GPUBuffer | null = null;
  private collector: GPUBuffer[] | null = null;
  /** Errors the device reported outside any error scope, oldest first (see takeErrors). */
  private uncaptured: string[] = [];
  /** Set while measuring (see measure): buffers and dispatches are sized and checked, never made. */
  private dry: { buffers: Measured['buffers']; pipelines: Map<string, PipelineRef> } | null = null;

  constructor(device: GPUDevice, info: GpuInfo, tuning: Tuning = chooseTuning(info)) {
    this.device = device;
    this.info = info;
    this.tuning = tuning;
    // A dispatch WebGPU refuses is skipped, not failed: keep what it says so the run can stop.
    device.addEventListener('uncapturederror', (e) => {
      if (this.uncaptured.length < 16) this.uncaptured.push((e as GPUUncapturedErrorEvent).error.message);
    });
  }

  /** Errors reported outside an error scope since the last call (empty when none). */
  takeErrors(): string[] {
    return this.uncaptured.splice(0);
  }

  /** Throws a GpuError naming `what` when the device has reported an error. */
  throwIfErrors(what: string): void {
    const errs = this.takeErrors();
    if (errs.length) throw new GpuError(`${what}: the GPU refused the work: ${errs[0]}${errs.length > 1 ? ` (and ${errs.length - 1} more)` : ''}`);
  }

  /**
   * Run `fn` (which builds or submits GPU work) inside validation and out-of-memory error
   * scopes; a reported error becomes a GpuError naming `what` and the object WebGPU names.
   */
  async scoped<T>(what: string, fn: () => T | Promise<T>): Promise<T> {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    let out: T | undefined;
    let thrown: unknown = null;
    try {
      out = await fn();
    } catch (e) {
      thrown = e;
    }
    // Both scopes are popped whatever happened; a GPU error explains a failure better than its symptom.
    const v = await this.device.popErrorScope();
    const o = await this.device.popErrorScope();
    if (v) throw new GpuError(`${what}: the GPU refused the work: ${v.message}`);
    if (o) throw new GpuError(`${what}: the GPU ran out of memory: ${o.message}`);
    if (thrown) throw thrown;
    return out as T;
  }

  /**
   * Size everything `fn` would allocate and dispatch, without creating any of it: every buffer
   * and grid is checked against the device's limits (throwing a LimitError as the real build
   * would). Returns the buffers it asked for and the pipelines it would dispatch, which is
   * what a warm-up compiles (Runtime.compile).
   */
  measure(fn: () => void): Measured {
    const outer = this.dry;
    const dry = { buffers: [], pipelines: new Map<string, PipelineRef>() };
    this.dry = dry;
    try {
      fn();
    } finally {
      this.dry = outer;
    }
    // A measure inside a measure (a plan sized while a program is measured) reports to both.
    if (outer) {
      outer.buffers.push(...dry.buffers);
      for (const [k, p] of dry.pipelines) outer.pipelines.set(k, p);
    }
    return { buffers: dry.buffers, pipelines: [...dry.pipelines.values()] };
  }

  /** Whether this runtime is measuring (see measure): what is built now holds no GPU objects. */
  get measuring(): boolean {
    return this.dry !== null;
  }

  /** Refuse a buffer larger than one storage binding (or one buffer) may be on this device. */
  private checkSize(bytes: number, label: string): void {
    const lim = this.device.limits;
    for (const [name, allowed] of [
      ['maxStorageBufferBindingSize', lim.maxStorageBufferBindingSize],
      ['maxBufferSize', lim.maxBufferSize],
    ] as const)
      if (bytes > allowed)
        throw new LimitError(
          `${label} needs ${bytesText(bytes)} in one binding; this adapter allows ${bytesText(allowed)} (${name})`,
          label,
          bytes,
          allowed,
          name,
        );
  }

  /** Alignment, in floats, for sub-buffer bindings (params packed in one buffer). */
  get alignFloats(): number {
    return Math.max(1, (this.device.limits.minStorageBufferOffsetAlignment ?? 256) / 4);
  }

  private module(code: string): GPUShaderModule {
    let m = this.modules.get(code);
    if (!m) {
      m = this.device.createShaderModule({ code });
      this.modules.set(code, m);
    }
    return m;
  }

  private key(p: PipelineRef): string {
    return `${p.kernel.key}:${p.constants ? JSON.stringify(p.constants) : ''}`;
  }

  private descriptor(p: PipelineRef): GPUComputePipelineDescriptor {
    return { label: p.kernel.entry, layout: 'auto', compute: { module: this.module(p.kernel.code), entryPoint: p.kernel.entry, constants: p.constants } };
  }

  /** A compute pipeline, compiled on first use (synchronously) and cached. */
  pipeline(p: PipelineRef): GPUComputePipeline {
    const k = this.key(p);
    let pl = this.pipelines.get(k);
    if (!pl) {
      pl = this.device.createComputePipeline(this.descriptor(p));
      this.pipelines.set(k, pl);
      this.compiledOnDemand++;
    }
    return pl;
  }

  /** Compile pipelines asynchronously and in parallel (a warm-up: what measure recorded). */
  async compile(ps: PipelineRef[]): Promise<void> {
    await Promise.all(
      ps.map((p) => {
        const k = this.key(p);
        if (this.pipelines.has(k)) return undefined;
        let pending = this.pending.get(k);
        if (!pending) {
          pending = this.device.createComputePipelineAsync(this.descriptor(p)).then((pl) => {
            this.pipelines.set(k, pl);
            this.pending.delete(k);
            return pl;
          });
          this.pending.set(k, pending);
        }
        return pending;
      }),
    );
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  /** A storage buffer of `bytes` (rounded up to 16, at least 16), zero-filled, counted in liveBytes. */
  buffer(bytes: number, label = ''): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    this.checkSize(size, label);
    if (this.dry) {
      this.dry.buffers.push({ label, bytes: size });
      return this.dummy;
    }
    // GPUBufferUsage is a global in browsers and, once node-gpu.ts has run, in Node.
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const b = this.device.createBuffer({ size, usage, label });
    this.track(b);
    return b;
  }

  /**
   * Run `fn`, adding every buffer it creates (uniform blocks of its Calls included) to `owned`,
   * so whoever builds a set of Calls can free all of it.
   */
  collect<T>(owned: GPUBuffer[], fn: () => T): T {
    const outer = this.collector;
    this.collector = owned;
    try {
      return fn();
    } finally {
      this.collector = outer;
    }
  }

  private track(b: GPUBuffer): void {
    this.live.add(b);
    this.liveBytes += b.size;
    this.liveBuffers++;
    this.collector?.push(b);
  }

  /** A tiny buffer for bindings a pipeline declares but the chosen variant never reads. */
  get dummy(): GPUBuffer {
    if (!this.dummyBuf) {
      const outer = this.collector;
      const dry = this.dry;
      this.collector = null; // shared by everyone: never owned by a plan
      this.dry = null;
      this.dummyBuf = this.buffer(16, 'unused binding');
      this.collector = outer;
      this.dry = dry;
    }
    return this.dummyBuf;
  }

  destroy(b: GPUBuffer): void {
    if (this.live.delete(b)) {
      this.liveBytes -= b.size;
      this.liveBuffers--;
    }
    b.destroy();
  }

  upload(data: Float32Array | Uint32Array | Int32Array | Uint8Array, label = ''): GPUBuffer {
    const b = this.buffer(data.byteLength, label);
    if (!this.dry) this.write(b, data);
    return b;
  }

  write(b: GPUBuffer, data: ArrayBufferView, offsetBytes = 0): void {
    // writeBuffer needs a multiple of 4 bytes.
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    if (bytes === data.byteLength) {
      this.device.queue.writeBuffer(b, offsetBytes, data.buffer, data.byteOffset, data.byteLength);
    } else {
      const padded = new Uint8Array(bytes);
      padded.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      this.device.queue.writeBuffer(b, offsetBytes, padded);
    }
  }

  /** A uniform block with u32 fields then f32 fields (see Params). Written once. */
  params(p: Params, label = 'params'): GPUBuffer {
    if (this.dry) return this.dummy;
    const u = p.u ?? [];
    const f = p.f ?? [];
    const words = Math.max(4, Math.ceil((u.length + f.length) / 4) * 4);
    const data = new ArrayBuffer(words * 4);
    const dv = new DataView(data);
    u.forEach((v, i) => {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${label}: u32 field ${i} = ${v}`);
      dv.setUint32(i * 4, v, true);
    });
    f.forEach((v, i) => dv.setFloat32((u.length + i) * 4, v, true));
    const b = this.device.createBuffer({
      size: data.byteLength,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label,
    });
    this.track(b);
    this.device.queue.writeBuffer(b, 0, data);
    return b;
  }

  /** Build one dispatch (see Dispatch): its bindings checked by name, its grid and buffers against the limits. */
  dispatch(d: Dispatch): Call {
    const k = d.kernel;
    const label = d.label ?? k.entry;
    checkBindings(k, Object.keys(d.bind), label);
    const [x, y = 1, z = 1] = d.grid;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max)
      throw new LimitError(
        `kernel ${label} needs a grid of ${x}×${y}×${z} workgroups; this adapter allows ${max} per dimension (maxComputeWorkgroupsPerDimension)`,
        label,
        Math.max(x, y, z),
        max,
        'maxComputeWorkgroupsPerDimension',
      );
    const bound = Object.values(d.bind);
    for (const b of bound) if ('buffer' in b && b.size !== undefined) this.checkSize(b.size, `${label}'s binding`);
    const bytes = d.cost?.bytes ?? bound.reduce((t, b) => t + (!isUniform(b) ? span(b).size : 0), 0);
    const meta = {
      label,
      workgroups: [x, y, z] as [number, number, number],
      kernel: k.entry,
      workgroupSize: k.workgroupSize,
      workgroupStorage: k.workgroupStorage,
      bytes,
      flops: d.cost?.flops ?? null,
      serial: d.cost?.serial ?? null,
    };
    const ref: PipelineRef = { kernel: k, constants: d.constants };
    if (this.dry) {
      this.dry.pipelines.set(this.key(ref), ref);
      return { ...meta, gpu: null };
    }
    const pipeline = this.pipeline(ref);
    const bindGroup = this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: Object.entries(d.bind).map(([name, b]) => ({ binding: k.bindings.get(name)!.slot, resource: 'buffer' in b ? b : { buffer: b } })),
    });
    return { ...meta, gpu: { pipeline, bindGroup } };
  }

  /** Record calls into an open compute pass. */
  encode(pass: GPUComputePassEncoder, calls: Call[]): void {
    for (const c of calls) {
      if (c.workgroups[0] === 0 || c.workgroups[1] === 0 || c.workgroups[2] === 0) continue;
      if (!c.gpu) throw new Error(`kernel ${c.label}: this dispatch was built while measuring and cannot run`);
      pass.setPipeline(c.gpu.pipeline);
      pass.setBindGroup(0, c.gpu.bindGroup);
      pass.dispatchWorkgroups(c.workgroups[0], c.workgroups[1], c.workgroups[2]);
      this.dispatches++;
    }
  }

  /** Record calls in one compute pass of a new encoder and submit it. */
  run(calls: Call[], after?: (enc: GPUCommandEncoder) => void): void {
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    this.encode(pass, calls);
    pass.end();
    after?.(enc);
    this.submit(enc.finish());
  }

  submit(cmd: GPUCommandBuffer): void {
    this.device.queue.submit([cmd]);
    this.submits++;
  }

  /** Copy `bytes` of `src` (from `offset`) to the host. */
  async read(src: GPUBuffer, bytes = src.size, offset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(bytes / 4) * 4;
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src, offset, staging, 0, size);
    this.submit(enc.finish());
    await staging.mapAsync(GPUMapMode.READ);
    const out = staging.getMappedRange().slice(0, bytes);
    staging.unmap();
    staging.destroy();
    return out;
  }

  /** Several whole buffers, copied in one submission (a consistent snapshot), then mapped. */
  async readMany(srcs: GPUBuffer[]): Promise<ArrayBuffer[]> {
    const enc = this.device.createCommandEncoder();
    const stagings = srcs.map((src) => {
      const s = this.device.createBuffer({ size: src.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      enc.copyBufferToBuffer(src, 0, s, 0, src.size);
      return s;
    });
    this.submit(enc.finish());
    return Promise.all(
      stagings.map(async (s) => {
        await s.mapAsync(GPUMapMode.READ);
        const out = s.getMappedRange().slice(0);
        s.unmap();
        s.destroy();
        return out;
      }),
    );
  }

  async readF32(src: Binding, count?: number): Promise<Float32Array> {
    const { buffer, offset, size } = span(src);
    const n = count ?? size / 4;
    return new Float32Array(await this.read(buffer, n * 4, offset));
  }

  async readU32(src: Binding, count?: number): Promise<Uint32Array> {
    const { buffer, offset, size } = span(src);
    const n = count ?? size / 4;
    return new Uint32Array(await this.read(buffer, n * 4, offset));
  }

  /** Destroy every buffer this runtime created. */
  destroyAll(): void {
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.dummyBuf = null;
    this.liveBytes = 0;
    this.liveBuffers = 0;
  }
}

export function span(b: Binding): { buffer: GPUBuffer; offset: number; size: number } {
  if ('buffer' in b) return { buffer: b.buffer, offset: b.offset ?? 0, size: b.size ?? b.buffer.size - (b.offset ?? 0) };
  return { buffer: b, offset: 0, size: b.size };
}

/** Workgroup grid for `n` threads in groups of `wg`, folded into 2-D past the per-dimension limit. */
export function grid1d(n: number, wg = 256, maxPerDim = 65535): [number, number, number] {
  const groups = Math.ceil(n / wg);
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

function isUniform(b: Binding): boolean {
  return (span(b).buffer.usage & GPUBufferUsage.UNIFORM) !== 0;
}
