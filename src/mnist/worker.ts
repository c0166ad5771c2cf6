// The MNIST training worker: owns the GPU device, keeps MNIST on the GPU, builds the model and
// trains it, so the page never waits on the GPU. Requests and events: see protocol.ts.
import { classCounts, IMAGE_SIZE, limitSplit, type Mnist } from '../data/mnist';
import { loadMnistBrowser } from '../data/mnist-browser';
import { NoWebGPUError, openGpu } from '../engine/gpu';
import { insideDigit, normalise } from '../engine/inspect';
import { Model } from '../engine/model';
import { augment } from '../engine/ops/augment';
import { augmentImage } from '../engine/reference/augment';
import { Runtime } from '../engine/runtime';
import { SpecError } from '../engine/spec';
import { timeCalls } from '../engine/timing';
import { GpuSplit, Trainer } from '../train/trainer';
import { exportWeights, importWeights, weightsFile } from '../train/weights';
import type {
  Built,
  Checkpoint,
  DataInfo,
  Imported,
  Inside,
  Inspection,
  Preview,
  Reply,
  Request,
  ResultOf,
  RunOutcome,
  Samples,
  WorkerEvent,
} from './protocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;

let rt: Runtime | null = null;
let data: Mnist | null = null;
let splits: { key: string; train: GpuSplit; test: GpuSplit } | null = null;
let model: Model | null = null;
let trainer: Trainer | null = null;
/** How the current model was built, and its last checkpoint: what a lost device is rebuilt from. */
let recipe: Extract<Request, { type: 'configure' }> | null = null;
let lastCheckpoint: Checkpoint | null = null;
/** Set when the device is lost; the next GPU work rebuilds everything on a new device. */
let lost: string | null = null;

async function openDevice(): Promise<Runtime> {
  try {
    const { device, info } = await openGpu(navigator.gpu, 'browser');
    const r = new Runtime(device, info);
    device.lost.then((l) => {
      if (rt === r) lost = describeLoss(l);
    });
    rt = r;
    return r;
  } catch (e) {
    throw new WorkerError(e instanceof NoWebGPUError ? e.message : `WebGPU failed to start: ${(e as Error).message}`, 'nogpu');
  }
}

function describeLoss(l: GPUDeviceLostInfo): string {
  return `${l.reason === 'destroyed' ? 'the device was destroyed' : 'the driver lost it'}${l.message ? `: ${l.message}` : ''}`;
}

/** After a failure in GPU work: was it the device going away? (The loss may be reported a moment later.) */
async function deviceWasLost(r: Runtime): Promise<boolean> {
  if (lost) return true;
  const info = await Promise.race([r.device.lost, new Promise<null>((res) => setTimeout(() => res(null), 2000))]);
  if (info && rt === r) lost = describeLoss(info);
  return lost !== null;
}

class WorkerError extends Error {
  constructor(
    message: string,
    readonly kind: 'nogpu' | 'data' | 'spec' | 'other',
  ) {
    super(message);
  }
}

function emit(e: WorkerEvent) {
  ctx.postMessage(e);
}

async function init(dataUrl: string): Promise<DataInfo> {
  const t0 = performance.now();
  const r = rt ?? (await openDevice());
  if (!data) {
    try {
      data = await loadMnistBrowser(dataUrl, (p) => emit({ event: 'loading', ...p }));
    } catch (e) {
      throw new WorkerError((e as Error).message, 'data');
    }
  }
  return {
    adapter: r.info.adapter,
    fallback: r.info.isFallback,
    trainCount: data.train.count,
    testCount: data.test.count,
    trainPerClass: classCounts(data.train.labels),
    testPerClass: classCounts(data.test.labels),
    loadMs: performance.now() - t0,
  };
}

function need<T>(v: T | null, what: string): T {
  if (!v) throw new WorkerError(`${what} first`, 'other');
  return v;
}

function samples(perClass: number): Samples {
  const d = need(data, 'load the data');
  const images = new Uint8Array(10 * perClass * IMAGE_SIZE);
  const seen = new Array(10).fill(0);
  for (let i = 0; i < d.train.count && seen.some((n) => n < perClass); i++) {
    const c = d.train.labels[i];
    if (seen[c] >= perClass) continue;
    images.set(d.train.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), (c * perClass + seen[c]) * IMAGE_SIZE);
    seen[c]++;
  }
  return { images, perClass };
}

function gpuSplits(trainLimit?: number, testLimit?: number) {
  const r = need(rt, 'open the GPU');
  const d = need(data, 'load the data');
  const key = `${trainLimit ?? ''}:${testLimit ?? ''}`;
  if (splits?.key !== key) {
    splits?.train.destroy();
    splits?.test.destroy();
    splits = { key, train: new GpuSplit(r, limitSplit(d.train, trainLimit), 'train'), test: new GpuSplit(r, limitSplit(d.test, testLimit), 'test') };
  }
  return splits;
}

async function preview(req: Extract<Request, { type: 'preview' }>): Promise<Preview> {
  const r = need(rt, 'open the GPU');
  const d = need(data, 'load the data');
  const { train } = gpuSplits();
  const N = 128;
  const owned: GPUBuffer[] = [];
  const { call, out } = r.collect(owned, () => {
    const order = r.upload(
      Uint32Array.from({ length: N }, (_, i) => i),
      'preview order',
    );
    const out = r.buffer(4 * N * IMAGE_SIZE, 'preview out');
    const labels = r.buffer(4 * N, 'preview labels');
    const step = r.device.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const b = new ArrayBuffer(32);
    new DataView(b).setUint32(0, req.seed >>> 0, true);
    r.device.queue.writeBuffer(step, 0, b);
    owned.push(step);
    return { call: augment(r, N, 28, true, req.augment, step, train.images, train.labels, order, out, labels), out };
  });
  const gpu = await timeCalls(r, [call], 5, 3);
  r.run([call]);
  const after = await r.readF32(out, req.count * IMAGE_SIZE);
  for (const b of owned) r.destroy(b);
  // The same work in JavaScript, as a CPU data loader in a worker would do it.
  const t0 = performance.now();
  for (let i = 0; i < N; i++) augmentImage(d.train.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), 28, true, req.augment, req.seed, i);
  const cpu = performance.now() - t0;
  return {
    before: d.train.images.slice(0, req.count * IMAGE_SIZE),
    after,
    labels: [...d.train.labels.subarray(0, req.count)],
    gpuMsPerBatch: gpu.gpuMs ?? gpu.wallMs,
    cpuMsPerBatch: cpu,
  };
}

/** A new model and trainer for `req`; `load` fills the weights (or throws, leaving the old ones in place). */
async function build(req: Extract<Request, { type: 'configure' }>, load: (m: Model) => void = (m) => m.init(req.config.seed)): Promise<Built> {
  const r = need(rt, 'open the GPU');
  const { train, test } = gpuSplits(req.trainLimit, req.testLimit);
  let m: Model | null = null;
  let t: Trainer;
  try {
    m = new Model(r, req.spec, [1, 28, 28]);
    load(m);
    t = new Trainer(m, train, test, req.config);
  } catch (e) {
    m?.destroy();
    throw new WorkerError((e as Error).message, e instanceof SpecError ? 'spec' : 'other');
  }
  trainer?.stop();
  trainer?.destroy();
  model?.destroy();
  model = m;
  trainer = t;
  recipe = req;
  const warmUpMs = await t.warmUp();
  return {
    params: m.paramCount,
    warmUpMs,
    liveBytes: r.liveBytes,
    stepsPerEpoch: t.stepsPerEpoch,
    lastBatch: train.count - (t.stepsPerEpoch - 1) * req.config.batch,
  };
}

function configure(req: Extract<Request, { type: 'configure' }>): Promise<Built> {
  lastCheckpoint = null;
  return build(req);
}

/** Continue from a checkpoint (after a reload, or on a new device). */
async function resume(cp: Checkpoint): Promise<Built> {
  const built = await build({ type: 'configure', spec: cp.spec, config: cp.config, trainLimit: cp.trainLimit, testLimit: cp.testLimit }, (m) => {
    if (cp.momenta.length !== m.flatParams || !cp.momenta.every(Number.isFinite))
      throw new WorkerError(`the checkpoint's momenta (${cp.momenta.length} values) do not fit the model (${m.flatParams}), or are not finite`, 'spec');
    importWeights(m, cp.weights, 'the checkpoint');
    m.rt.write(m.momenta, cp.momenta);
  });
  trainer!.restore(cp.epoch, cp.history);
  lastCheckpoint = cp;
  return built;
}

/** Call synchronously at the end of an epoch: the snapshot is taken before later steps run. */
async function checkpoint(t: Trainer, m: Model): Promise<Checkpoint> {
  const r = recipe!;
  const epoch = t.epoch;
  const history = [...t.history];
  const snap = await m.snapshot();
  return {
    savedAt: Date.now(),
    spec: r.spec,
    config: r.config,
    trainLimit: r.trainLimit,
    testLimit: r.testLimit,
    epoch,
    history,
    weights: weightsFile(m, snap),
    momenta: snap.momenta,
  };
}

/** After a lost device: a new one, the data again, the model from its last checkpoint. */
async function recover(): Promise<string> {
  const why = lost ?? 'unknown reason';
  lost = null;
  trainer = null;
  model = null;
  splits = null;
  rt = null;
  await openDevice();
  const cp = lastCheckpoint;
  if (cp) await resume(cp);
  else if (recipe) await build(recipe);
  return `The GPU device was lost (${why}). A new device was acquired and ${cp ? `training resumed from the checkpoint after epoch ${cp.epoch}` : 'training restarted from the beginning (no epoch had finished)'}; only the unfinished epoch was lost.`;
}

async function trainRun(): Promise<RunOutcome> {
  for (let attempt = 0; ; attempt++) {
    if (lost) emit({ event: 'recovered', message: await recover() });
    const t = need(trainer, 'configure the model');
    const m = need(model, 'configure the model');
    const r = need(rt, 'open the GPU');
    try {
      const res = await t.run({
        onProgress: (progress) => emit({ event: 'progress', progress, liveBytes: r.liveBytes }),
        onEpoch: (log) => {
          emit({ event: 'epoch', log, liveBytes: r.liveBytes });
          // Checkpoint after every epoch (the page stores it in IndexedDB).
          void checkpoint(t, m).then((cp) => {
            lastCheckpoint = cp;
            emit({ event: 'checkpoint', checkpoint: cp });
          });
        },
        onFirstLoss: (loss) => emit({ event: 'firstLoss', loss }),
        onDynamics: (sample) => emit({ event: 'dynamics', sample }),
      });
      if (lost && attempt < 3) continue; // lost during the last epoch: go again on a new device
      const at = { epoch: t.epoch, stepInEpoch: t.stepInEpoch };
      return res.status === 'nonfinite' ? { status: 'nonfinite', detail: res.detail, ...at } : { status: res.status, ...at };
    } catch (e) {
      // A lost device makes the pending GPU work fail: rebuild and go on, a few times at most.
      if (attempt >= 3 || !(await deviceWasLost(r))) throw e;
    }
  }
}

async function importFile(req: Extract<Request, { type: 'import' }>): Promise<Imported> {
  await build({ type: 'configure', spec: req.spec, config: req.config, trainLimit: req.trainLimit, testLimit: req.testLimit }, (m) =>
    importWeights(m, req.bytes, req.file),
  );
  lastCheckpoint = null;
  const t = trainer!;
  const test = await t.evaluate();
  return { file: req.file, params: model!.paramCount, testLoss: test.loss, testAcc: test.acc, liveBytes: rt!.liveBytes };
}

function dispose(): null {
  trainer?.stop();
  trainer?.destroy();
  model?.destroy();
  splits?.train.destroy();
  splits?.test.destroy();
  rt?.device.destroy();
  trainer = null;
  model = null;
  splits = null;
  rt = null;
  return null;
}

async function inspect(max: number): Promise<Inspection> {
  const t = need(trainer, 'train the model');
  const d = need(data, 'load the data');
  const out = await t.testOutputs();
  const n = t.test.count;
  const confusion = Array.from({ length: 10 }, () => new Array(10).fill(0));
  const wrong: Inspection['misclassified'] = [];
  let right = 0;
  for (let i = 0; i < n; i++) {
    const row = out.subarray(i * 10, i * 10 + 10);
    let p = 0;
    for (let c = 1; c < 10; c++) if (row[c] > row[p]) p = c;
    const label = d.test.labels[i];
    confusion[label][p]++;
    if (p === label) right++;
    else if (wrong.length < max)
      wrong.push({ index: i, label, pred: p, prob: Math.exp(row[p]), image: d.test.images.slice(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE) });
  }
  return { confusion, accuracy: (100 * right) / n, misclassified: wrong };
}

/**
 * One digit through the current weights, between training steps if a run is going: its
 * dispatches queue behind the step in flight and the next step waits for nothing.
 */
async function inside(req: Extract<Request, { type: 'inside' }>): Promise<Inside> {
  const m = need(model, 'train or import a model');
  const d = need(data, 'load the data');
  const t0 = performance.now();
  let input: Float32Array;
  let label: number;
  if (req.pixels) {
    input = req.pixels;
    label = req.label ?? 0;
  } else {
    const i = req.image ?? 0;
    if (!(Number.isInteger(i) && i >= 0 && i < d.test.count)) throw new WorkerError(`test image ${i} does not exist (0 to ${d.test.count - 1})`, 'other');
    input = normalise(d.test.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE));
    label = d.test.labels[i];
  }
  const conv = m.infos.find((l) => l.type === 'Conv2d');
  const key = conv ? `${conv.index}.weight` : null;
  const r = await insideDigit(m, input, label, key ? [key] : []);
  const firstConvGrad =
    conv?.type === 'Conv2d' && key
      ? { layer: conv.index, shape: conv.params[0].shape, inShape: conv.inShape, outShape: conv.outShape, ph: conv.ph, pw: conv.pw, data: r.paramGrads[key] }
      : null;
  return { ...r, image: req.pixels ? null : (req.image ?? 0), input, firstConvGrad, step: m.batchesTracked, ms: performance.now() - t0 };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'init':
      return init(req.dataUrl);
    case 'samples':
      return samples(req.perClass);
    case 'preview':
      return preview(req);
    case 'configure':
      return configure(req);
    case 'train':
      return trainRun();
    case 'stop':
      trainer?.stop();
      return null;
    case 'inspect':
      return inspect(req.maxMisclassified);
    case 'inside':
      return inside(req);
    case 'weights': {
      const m = need(model, 'train or import a model');
      return { state: await m.getState(), step: m.batchesTracked };
    }
    case 'predict':
      return [...(await need(trainer, 'train the model').predictImage(req.pixels))].map(Math.exp);
    case 'memory':
      return { liveBytes: rt?.liveBytes ?? 0, liveBuffers: rt?.liveBuffers ?? 0 };
    case 'export':
      return exportWeights(need(model, 'train or import a model'));
    case 'import':
      return importFile(req);
    case 'resume':
      if (lost) await recover();
      return resume(req.checkpoint);
    case 'loseDevice':
      // For tests: what a driver reset does, on purpose.
      need(rt, 'open the GPU').device.destroy();
      return null;
    case 'dispose':
      return dispose();
  }
}

ctx.onmessage = async (e: MessageEvent<{ id: number; req: Request }>) => {
  const { id, req } = e.data;
  try {
    const result = await handle(req);
    ctx.postMessage({ id, ok: true, result } satisfies Reply);
  } catch (err) {
    const kind = err instanceof WorkerError ? err.kind : 'other';
    ctx.postMessage({ id, ok: false, error: (err as Error).message ?? String(err), kind } satisfies Reply);
  }
};

export type { ResultOf };
