// Messages between the MNIST section and its training worker (which owns the GPU device).
import type { DigitInside } from '../engine/inspect';
import type { AugmentConfig } from '../engine/ops/augment';
import type { LayerInfo } from '../engine/spec';
import type { TrainConfig } from '../train/config';
import type { DynamicsSample } from '../train/dynamics';
import type { EpochLog, NonFinite, Progress } from '../train/trainer';

export interface DataInfo {
  adapter: string;
  /** A software adapter (SwiftShader, lavapipe): correct but slow. */
  fallback: boolean;
  trainCount: number;
  testCount: number;
  trainPerClass: number[];
  testPerClass: number[];
  loadMs: number;
}

export interface Samples {
  /** perClass images of each digit 0–9 (uint8, 28×28 each), row-major by class. */
  images: Uint8Array;
  perClass: number;
}

export interface Preview {
  before: Uint8Array;
  /** Normalised, augmented images as the model sees them. */
  after: Float32Array;
  labels: number[];
  gpuMsPerBatch: number;
  cpuMsPerBatch: number;
}

export interface Built {
  params: number;
  warmUpMs: number;
  liveBytes: number;
  stepsPerEpoch: number;
  lastBatch: number;
  /** For a fresh model (configure): its initial weights (.safetensors) and their hash (epoch-weights.ts). */
  init?: { hash: string; weights: Uint8Array };
}

/** A finished epoch's weights to look at instead of the model's current ones (the epoch sliders). */
export interface EpochPick {
  spec: unknown;
  epoch: number;
  weights: Uint8Array;
}

export interface Inspection {
  confusion: number[][];
  accuracy: number;
  misclassified: { index: number; label: number; pred: number; prob: number; image: Uint8Array }[];
}

export type RunOutcome =
  { status: 'done' | 'stopped'; epoch: number; stepInEpoch: number } | { status: 'nonfinite'; epoch: number; stepInEpoch: number; detail: NonFinite };

/** What survives a reload, a crash or a lost device: everything needed to go on after an epoch. */
export interface Checkpoint {
  savedAt: number;
  spec: unknown;
  config: TrainConfig;
  trainLimit?: number;
  testLimit?: number;
  /** Epochs completed. */
  epoch: number;
  history: EpochLog[];
  /** .safetensors: parameters, running statistics, num_batches_tracked, spec. */
  weights: Uint8Array;
  /** SGD momentum buffers (the model's flat layout). */
  momenta: Float32Array;
}

/** What the "Inside one digit" and "Backprop through one convolution" cells show. */
export interface Inside extends DigitInside {
  /** Test image index, or null for a drawn digit. */
  image: number | null;
  /** The normalised input the model saw (1×28×28). */
  input: Float32Array;
  /**
   * ∂L/∂(first convolution's weight) for this digit alone, [O, C/groups, KH, KW], from the engine's
   * backward, with the convolution's padding, stride, dilation and groups.
   */
  firstConvGrad:
    | ({ layer: number; shape: number[]; inShape: number[]; outShape: number[]; data: Float32Array } & Pick<
        Extract<LayerInfo, { type: 'Conv2d' }>,
        'ph' | 'pw' | 'sh' | 'sw' | 'dh' | 'dw' | 'groups'
      >)
    | null;
  /** Training steps taken when it was computed, and what the read-back cost. */
  step: number;
  ms: number;
  /** The finished epoch whose weights it shows; absent for the model's current weights. */
  epoch?: number;
}

export interface Imported {
  file: string;
  params: number;
  testLoss: number;
  testAcc: number;
  liveBytes: number;
}

export type Request =
  /** dataUrl: where MNIST lives, resolved against the page (so the site works from any sub-path). */
  | { type: 'init'; dataUrl: string }
  | { type: 'samples'; perClass: number }
  | { type: 'preview'; augment: AugmentConfig; seed: number; count: number }
  /** initFrom: start from the initial weights of a run of that spec and seed ("same initial weights"). */
  | { type: 'configure'; spec: unknown; config: TrainConfig; trainLimit?: number; testLimit?: number; initFrom?: { spec: unknown; seed: number } }
  | { type: 'train' }
  | { type: 'stop' }
  | { type: 'inspect'; maxMisclassified: number }
  | { type: 'predict'; pixels: Float32Array }
  /** The inside of one digit: test image `image`, or drawn `pixels` (normalised) taken as `label`. */
  | { type: 'inside'; image?: number; pixels?: Float32Array; label?: number; epoch?: EpochPick }
  | { type: 'weights'; epoch?: EpochPick }
  | { type: 'memory' }
  | { type: 'export' }
  | { type: 'import'; bytes: Uint8Array; file: string; spec: unknown; config: TrainConfig; trainLimit?: number; testLimit?: number }
  | { type: 'resume'; checkpoint: Checkpoint }
  | { type: 'loseDevice' }
  | { type: 'dispose' };

export interface ResultOf {
  init: DataInfo;
  samples: Samples;
  preview: Preview;
  configure: Built;
  train: RunOutcome;
  stop: null;
  inspect: Inspection;
  predict: number[];
  inside: Inside;
  weights: { state: Record<string, { shape: number[]; data: Float32Array }>; step: number; epoch?: number };
  memory: { liveBytes: number; liveBuffers: number };
  export: Uint8Array;
  import: Imported;
  resume: Built;
  loseDevice: null;
  dispose: null;
}

/** The request of type K. */
export type RequestOf<K extends Request['type']> = Extract<Request, { type: K }>;

/**
 * The worker's side: one handler per request type, answering with its ResultOf. A request type
 * without a result, or a result without a request, does not compile.
 */
export type Handlers = { [K in keyof ResultOf]: (req: RequestOf<K>) => Promise<ResultOf[K]> };

export type WorkerEvent =
  | { event: 'loading'; loaded: number; total: number; stage: string }
  | { event: 'progress'; progress: Progress; liveBytes: number }
  | { event: 'epoch'; log: EpochLog; liveBytes: number }
  | { event: 'firstLoss'; loss: number }
  | { event: 'dynamics'; sample: DynamicsSample }
  | { event: 'checkpoint'; checkpoint: Checkpoint }
  | { event: 'recovered'; message: string };

export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string; kind: 'nogpu' | 'data' | 'spec' | 'other' };
