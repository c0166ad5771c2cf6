// The MNIST training worker: owns the GPU device, keeps MNIST on the GPU, builds the model and
// trains it, so the page never waits on the GPU. Requests and events: see protocol.ts.
import { classCounts, IMAGE_SIZE, limitSplit, type Mnist } from '../data/mnist';
import { loadMnistBrowser } from '../data/mnist-browser';
import { NoWebGPUError, openGpu } from '../engine/gpu';
import { Model } from '../engine/model';
import { augment } from '../engine/ops/augment';
import { augmentImage } from '../engine/reference/augment';
import { Runtime } from '../engine/runtime';
import { SpecError } from '../engine/spec';
import { timeCalls } from '../engine/timing';
import { GpuSplit, Trainer } from '../train/trainer';
import type { Built, DataInfo, Inspection, Preview, Reply, Request, ResultOf, RunOutcome, Samples, WorkerEvent } from './protocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;

let rt: Runtime | null = null;
let data: Mnist | null = null;
let splits: { key: string; train: GpuSplit; test: GpuSplit } | null = null;
let model: Model | null = null;
let trainer: Trainer | null = null;

class WorkerError extends Error {
  constructor(message: string, readonly kind: 'nogpu' | 'data' | 'spec' | 'other') {
    super(message);
  }
}

function emit(e: WorkerEvent) {
  ctx.postMessage(e);
}

async function init(): Promise<DataInfo> {
  const t0 = performance.now();
  if (!rt) {
    try {
      const { device, info } = await openGpu(navigator.gpu, 'browser');
      rt = new Runtime(device, info);
    } catch (e) {
      throw new WorkerError(e instanceof NoWebGPUError ? e.message : `WebGPU failed to start: ${(e as Error).message}`, 'nogpu');
    }
  }
  if (!data) {
    try {
      data = await loadMnistBrowser(`${self.location.origin}${import.meta.env.BASE_URL}data/`, (p) => emit({ event: 'loading', ...p }));
    } catch (e) {
      throw new WorkerError((e as Error).message, 'data');
    }
  }
  return {
    adapter: rt.info.adapter,
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
    const order = r.upload(Uint32Array.from({ length: N }, (_, i) => i), 'preview order');
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
  for (const b of owned) (b.usage & GPUBufferUsage.STORAGE ? r.destroy(b) : b.destroy());
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

async function configure(req: Extract<Request, { type: 'configure' }>): Promise<Built> {
  const r = need(rt, 'open the GPU');
  trainer?.stop();
  trainer?.destroy();
  model?.destroy();
  trainer = null;
  model = null;
  const { train, test } = gpuSplits(req.trainLimit, req.testLimit);
  try {
    model = new Model(r, req.spec, [1, 28, 28]);
    model.init(req.config.seed);
    trainer = new Trainer(model, train, test, req.config);
  } catch (e) {
    model?.destroy();
    model = null;
    throw new WorkerError((e as Error).message, e instanceof SpecError ? 'spec' : 'other');
  }
  const warmUpMs = await trainer.warmUp();
  return {
    params: model.paramCount,
    warmUpMs,
    liveBytes: r.liveBytes,
    stepsPerEpoch: trainer.stepsPerEpoch,
    lastBatch: train.count - (trainer.stepsPerEpoch - 1) * req.config.batch,
  };
}

async function trainRun(): Promise<RunOutcome> {
  const t = need(trainer, 'configure the model');
  const r = need(rt, 'open the GPU');
  const res = await t.run({
    onProgress: (progress) => emit({ event: 'progress', progress, liveBytes: r.liveBytes }),
    onEpoch: (log) => emit({ event: 'epoch', log, liveBytes: r.liveBytes }),
    onFirstLoss: (loss) => emit({ event: 'firstLoss', loss }),
  });
  const at = { epoch: t.epoch, stepInEpoch: t.stepInEpoch };
  return res.status === 'nonfinite' ? { status: 'nonfinite', detail: res.detail, ...at } : { status: res.status, ...at };
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
    else if (wrong.length < max) wrong.push({ index: i, label, pred: p, prob: Math.exp(row[p]), image: d.test.images.slice(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE) });
  }
  return { confusion, accuracy: (100 * right) / n, misclassified: wrong };
}

async function handle(req: Request): Promise<unknown> {
  switch (req.type) {
    case 'init':
      return init();
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
    case 'predict':
      return [...(await need(trainer, 'train the model').predictImage(req.pixels))].map(Math.exp);
    case 'memory':
      return { liveBytes: rt?.liveBytes ?? 0, liveBuffers: rt?.liveBuffers ?? 0 };
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
