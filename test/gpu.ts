// Shared Dawn device for the vitest files (one per file: vitest runs each file in its own process).
import { openNodeGpu } from '../src/engine/node-gpu';
import { packStep, type StepValues } from '../src/engine/model';
import { Runtime } from '../src/engine/runtime';
import { chooseTuning, type TuningKind } from '../src/engine/tuning';

let rt: Promise<Runtime> | null = null;
const byKind = new Map<TuningKind, Promise<Runtime>>();

function open(kind?: TuningKind): Promise<Runtime> {
  return openNodeGpu(kind).then(({ device, info, tuning }) => {
    device.addEventListener('uncapturederror', (e) => {
      throw new Error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);
    });
    return new Runtime(device, info, tuning);
  });
}

/** The adapter's device with the Tuning TUNING chooses (its own by default). */
export function runtime(): Promise<Runtime> {
  rt ??= open();
  return rt;
}

/**
 * The work planned with Tuning `kind`: gpu and cpu share runtime()'s device; defaults opens its
 * own with WebGPU's default limits only.
 */
export function runtimeAs(kind: TuningKind): Promise<Runtime> {
  let r = byKind.get(kind);
  if (!r) {
    r = kind === 'defaults' ? open('defaults') : runtime().then((base) => new Runtime(base.device, base.info, chooseTuning(base.info, kind)));
    byKind.set(kind, r);
  }
  return r;
}

/** Max of |got - want| / (abs + rel·|want|): ≤ 1 passes. */
export function worst(got: ArrayLike<number>, want: ArrayLike<number>, abs: number, rel: number): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let w = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    const e = d === 0 ? 0 : d / (abs + rel * Math.abs(want[i]));
    if (!(e <= w)) w = Number.isNaN(e) ? Infinity : e;
  }
  return w;
}

export function randn(n: number, rand: () => number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** A step uniform buffer (the shaders' `struct Step`) holding `v`. */
export function stepBuffer(rt: Runtime, v: Partial<StepValues>): GPUBuffer {
  const b = rt.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  rt.device.queue.writeBuffer(b, 0, packStep(v));
  return b;
}
