// How the ops shape their work for the device: one record, chosen once when the Runtime is made
// (from the adapter, or forced by TUNING=… in Node and ?tuning= on the fixture page) and read
// by the ops as rt.tuning. This is the only place that asks whether the adapter is a CPU one.
import type { GpuInfo } from './gpu';

/**
 * `gpu`: a GPU with the limits gpu.ts asks for; `cpu`: a CPU adapter (SwiftShader, lavapipe),
 * which runs few threads and pays for every workgroup barrier; `defaults`: a device opened with
 * WebGPU's default limits only (128 MiB per storage binding, 16 KiB workgroup storage, 256
 * invocations, 8 storage buffers per stage), tuned as a GPU.
 */
export type TuningKind = 'gpu' | 'cpu' | 'defaults';

export const TUNING_KINDS: readonly TuningKind[] = ['gpu', 'cpu', 'defaults'];

export interface Tuning {
  kind: TuningKind;
  /**
   * Whether the adapter itself runs on the CPU (SwiftShader, lavapipe), whichever kind was chosen:
   * what reports name and benchmarks size their repetitions by, never how work is shaped.
   */
  cpuAdapter: boolean;
  /** Small-output convolutions (≤ 144 pixels) take the 2 × 1 tile, to launch enough threads. */
  smallConvTile: boolean;
  /** Weight-gradient splits keep long chunks (no 2048-chunk / MAX_SERIAL bounds): fewer partials. */
  longWeightChunks: boolean;
  /** Lanes per element of reduce_segments (its RL). */
  reduceLanes: 1 | 16;
  /** Values per BatchNorm reduction chunk (images per chunk = this / H·W). */
  bnChunkValues: number;
  /** Values per thread of bn_apply and bn_apply_grad. */
  bnValuesPerThread: number;
  /** A 1×1 convolution and the max pool after it run as one kernel (conv1x1_pool). */
  fuseConvPool: boolean;
  /** Workgroup storage (bytes) and invocations per workgroup a kernel may plan for. */
  maxWorkgroupStorage: number;
  maxInvocations: number;
}

/** The Tuning for this adapter, or the `forced` one (a CPU adapter may be planned as a GPU). */
export function chooseTuning(info: GpuInfo, forced?: TuningKind): Tuning {
  const kind = forced ?? (info.isFallback ? 'cpu' : 'gpu');
  const cpu = kind === 'cpu';
  const lim = (name: string, dflt: number) => (kind === 'defaults' ? dflt : (info.limits[name] ?? dflt));
  return {
    kind,
    cpuAdapter: info.isFallback,
    smallConvTile: !cpu,
    longWeightChunks: cpu,
    reduceLanes: cpu ? 1 : 16,
    bnChunkValues: cpu ? 16384 : 1024,
    bnValuesPerThread: cpu ? 64 : 8,
    fuseConvPool: !cpu,
    maxWorkgroupStorage: lim('maxComputeWorkgroupStorageSize', 16384),
    maxInvocations: lim('maxComputeInvocationsPerWorkgroup', 256),
  };
}

/** A TUNING value (env var or query parameter): undefined when empty; an unknown name is refused. */
export function parseTuning(value: string | null | undefined, where = 'TUNING'): TuningKind | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!(TUNING_KINDS as readonly string[]).includes(value)) throw new Error(`${where}=${value}: expected one of ${TUNING_KINDS.join(', ')}`);
  return value as TuningKind;
}
