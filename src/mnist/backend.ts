// What the MNIST training worker does: it owns the GPU device, keeps MNIST on the GPU, builds the
// model and trains it, so the page never waits on the GPU. One handler per request of the
// protocol (protocol.ts), typed against its ResultOf; worker.ts only carries the messages.
// One class, past 300 lines, because the handlers share one lifecycle: a lost device rebuilds the
// data splits, model and trainer from the recipe and last checkpoint kept here.
import { classCounts, classSamples, IMAGE_SIZE, limitSplit, type Mnist } from '../data/mnist';
import { loadMnistBrowser } from '../data/mnist-browser';
import { NoWebGPUError, openGpu } from '../engine/gpu';
import { insideDigit, normalise } from '../engine/inspect';
import { Model, packStep } from '../engine/model';
import { augment } from '../engine/ops/augment';
import { augmentImage } from '../engine/reference/augment';
import { Runtime } from '../engine/runtime';
import { SpecError } from '../engine/spec';
import { timeCalls } from '../engine/timing';
import { confusion } from '../train/confusion';
import { GpuSplit, Trainer } from '../train/trainer';
import { encodeSnapshot, encodeWeights, loadWeights } from '../train/weights';
import { EpochModel } from './epoch-model';
import { initialWeights, weightsHash } from './runs/epoch-weights';
import type { Built, Checkpoint, DataInfo, Handlers, Imported, Inside, Inspection, Preview, Reply, RequestOf, RunOutcome, WorkerEvent } from './protocol';

export class WorkerError extends Error {
  constructor(
    message: string,
    readonly kind: Extract<Reply, { ok: false }>['kind'],
  ) {
    super(message);
  }
}

function need<T>(v: T | null, what: string): T {
  if (!v) throw new WorkerError(`${what} first`, 'other');
  return v;
}

function describeLoss(l: GPUDeviceLostInfo): string {
  return `${l.reason === 'destroyed' ? 'the device was destroyed' : 'the driver lost it'}${l.message ? `: ${l.message}` : ''}`;
}

export class MnistBackend {
  private rt: Runtime | null = null;
  private data: Mnist | null = null;
  private splits: { key: string; train: GpuSplit; test: GpuSplit } | null = null;
  private model: Model | null = null;
  private trainer: Trainer | null = null;
  /** How the current model was built, and its last checkpoint: what a lost device is rebuilt from. */
  private recipe: RequestOf<'configure'> | null = null;
  private lastCheckpoint: Checkpoint | null = null;
  /** Set when the device is lost; the next GPU work rebuilds everything on a new device. */
  private lost: string | null = null;
  /** A finished epoch's weights, for the epoch sliders. */
  private epochModel = new EpochModel();

  /** `emit` sends an event to the page (progress, epochs, checkpoints, recovery). */
  constructor(private readonly emit: (e: WorkerEvent) => void) {}

  readonly handlers: Handlers = {
    init: (req) => this.init(req.dataUrl),
    samples: async (req) => ({ images: classSamples(need(this.data, 'load the data').train, req.perClass), perClass: req.perClass }),
    preview: (req) => this.preview(req),
    configure: async (req) => {
      this.lastCheckpoint = null;
      const built = await this.build(req);
      // Epoch 0 for the sliders, and the hash the runs table shows for it.
      const m = this.model!;
      const snap = await m.snapshot();
      const hash = await weightsHash(
        snap.state,
        m.paramSlots.map((p) => p.def.key),
      );
      return { ...built, init: { hash, weights: encodeSnapshot(m, snap, { epoch: '0' }) } };
    },
    train: () => this.trainRun(),
    stop: async () => {
      this.trainer?.stop();
      return null;
    },
    inspect: (req) => this.inspect(req.maxMisclassified),
    inside: (req) => this.inside(req),
    weights: async (req) => {
      if (req.epoch) return { state: await this.epochModel.state(need(this.rt, 'open the GPU'), req.epoch), step: 0, epoch: req.epoch.epoch };
      const m = need(this.model, 'train or import a model');
      return { state: await m.getState(), step: m.batchesTracked };
    },
    predict: async (req) => [...(await need(this.trainer, 'train the model').predictImage(req.pixels))].map(Math.exp),
    memory: async () => ({ liveBytes: this.rt?.liveBytes ?? 0, liveBuffers: this.rt?.liveBuffers ?? 0 }),
    export: () => encodeWeights(need(this.model, 'train or import a model')),
    import: (req) => this.importFile(req),
    resume: async (req) => {
      if (this.lost) await this.recover();
      return this.resume(req.checkpoint);
    },
    loseDevice: async () => {
      // For tests: what a driver reset does, on purpose.
      need(this.rt, 'open the GPU').device.destroy();
      return null;
    },
    dispose: async () => this.dispose(),
  };

  private async openDevice(): Promise<Runtime> {
    try {
      const { device, info } = await openGpu(navigator.gpu, 'browser');
      const r = new Runtime(device, info);
      device.lost.then((l) => {
        if (this.rt === r) this.lost = describeLoss(l);
      });
      this.rt = r;
      return r;
    } catch (e) {
      throw new WorkerError(e instanceof NoWebGPUError ? e.message : `WebGPU failed to start: ${(e as Error).message}`, 'nogpu');
    }
  }

  /** After a failure in GPU work: was it the device going away? (The loss may be reported a moment later.) */
  private async deviceWasLost(r: Runtime): Promise<boolean> {
    if (this.lost) return true;
    const info = await Promise.race([r.device.lost, new Promise<null>((res) => setTimeout(() => res(null), 2000))]);
    if (info && this.rt === r) this.lost = describeLoss(info);
    return this.lost !== null;
  }

  private async init(dataUrl: string): Promise<DataInfo> {
    const t0 = performance.now();
    const r = this.rt ?? (await this.openDevice());
    if (!this.data) {
      try {
        this.data = await loadMnistBrowser(dataUrl, (p) => this.emit({ event: 'loading', ...p }));
      } catch (e) {
        throw new WorkerError((e as Error).message, 'data');
      }
    }
    const data = this.data;
    return {
      adapter: r.info.adapter,
      fallback: r.tuning.cpuAdapter,
      trainCount: data.train.count,
      testCount: data.test.count,
      trainPerClass: classCounts(data.train.labels),
      testPerClass: classCounts(data.test.labels),
      loadMs: performance.now() - t0,
    };
  }

  private gpuSplits(trainLimit?: number, testLimit?: number): { train: GpuSplit; test: GpuSplit } {
    const r = need(this.rt, 'open the GPU');
    const d = need(this.data, 'load the data');
    const key = `${trainLimit ?? ''}:${testLimit ?? ''}`;
    if (this.splits?.key !== key) {
      this.splits?.train.destroy();
      this.splits?.test.destroy();
      this.splits = { key, train: new GpuSplit(r, limitSplit(d.train, trainLimit), 'train'), test: new GpuSplit(r, limitSplit(d.test, testLimit), 'test') };
    }
    return this.splits;
  }

  private async preview(req: RequestOf<'preview'>): Promise<Preview> {
    const r = need(this.rt, 'open the GPU');
    const d = need(this.data, 'load the data');
    const { train } = this.gpuSplits();
    const N = 128;
    const owned: GPUBuffer[] = [];
    const { call, out } = r.collect(owned, () => {
      const order = r.upload(
        Uint32Array.from({ length: N }, (_, i) => i),
        'preview order',
      );
      const out = r.buffer(4 * N * IMAGE_SIZE, 'preview out');
      const labels = r.buffer(4 * N, 'preview labels');
      // The step uniform as a training step has it: this seed, the batch window at 0.
      const values = packStep({ seed: req.seed });
      const step = r.device.createBuffer({ size: values.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      r.device.queue.writeBuffer(step, 0, values);
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
  private async build(req: RequestOf<'configure'>, load: (m: Model) => void = (m) => this.initModel(m, req)): Promise<Built> {
    const r = need(this.rt, 'open the GPU');
    const { train, test } = this.gpuSplits(req.trainLimit, req.testLimit);
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
    this.trainer?.stop();
    this.trainer?.destroy();
    this.model?.destroy();
    this.model = m;
    this.trainer = t;
    this.recipe = req;
    const warmUpMs = await t.warmUp();
    return {
      params: m.paramCount,
      warmUpMs,
      liveBytes: r.liveBytes,
      stepsPerEpoch: t.stepsPerEpoch,
      lastBatch: train.count - (t.stepsPerEpoch - 1) * req.config.batch,
    };
  }

  /** Fresh weights from the seed, or a replayed run's initial weights (its spec and seed; refused naming the tensor when they do not fit). */
  private initModel(m: Model, req: RequestOf<'configure'>): void {
    if (req.initFrom) m.setState(initialWeights(req.initFrom.spec, req.initFrom.seed));
    else m.init(req.config.seed);
  }

  /** Continue from a checkpoint (after a reload, or on a new device). */
  private async resume(cp: Checkpoint): Promise<Built> {
    const built = await this.build({ type: 'configure', spec: cp.spec, config: cp.config, trainLimit: cp.trainLimit, testLimit: cp.testLimit }, (m) => {
      if (cp.momenta.length !== m.flatParams || !cp.momenta.every(Number.isFinite))
        throw new WorkerError(`the checkpoint's momenta (${cp.momenta.length} values) do not fit the model (${m.flatParams}), or are not finite`, 'spec');
      loadWeights(m, cp.weights, 'the checkpoint');
      m.rt.write(m.momenta, cp.momenta);
    });
    this.trainer!.restore(cp.epoch, cp.history);
    this.lastCheckpoint = cp;
    return built;
  }

  /** Call synchronously at the end of an epoch: the snapshot is taken before later steps run. */
  private async checkpoint(t: Trainer, m: Model): Promise<Checkpoint> {
    const r = this.recipe!;
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
      weights: encodeSnapshot(m, snap),
      momenta: snap.momenta,
    };
  }

  /** After a lost device: a new one, the data again, the model from its last checkpoint. */
  private async recover(): Promise<string> {
    const why = this.lost ?? 'unknown reason';
    this.lost = null;
    this.trainer = null;
    this.model = null;
    this.splits = null;
    this.rt = null;
    await this.openDevice();
    const cp = this.lastCheckpoint;
    if (cp) await this.resume(cp);
    else if (this.recipe) await this.build(this.recipe);
    return `The GPU device was lost (${why}). A new device was acquired and ${cp ? `training resumed from the checkpoint after epoch ${cp.epoch}` : 'training restarted from the beginning (no epoch had finished)'}; only the unfinished epoch was lost.`;
  }

  private async trainRun(): Promise<RunOutcome> {
    for (let attempt = 0; ; attempt++) {
      if (this.lost) this.emit({ event: 'recovered', message: await this.recover() });
      const t = need(this.trainer, 'configure the model');
      const m = need(this.model, 'configure the model');
      const r = need(this.rt, 'open the GPU');
      try {
        const res = await t.run({
          onProgress: (progress) => this.emit({ event: 'progress', progress, liveBytes: r.liveBytes }),
          onEpoch: (log) => {
            this.emit({ event: 'epoch', log, liveBytes: r.liveBytes });
            // Checkpoint after every epoch (the page stores it in IndexedDB).
            void this.checkpoint(t, m).then((cp) => {
              this.lastCheckpoint = cp;
              this.emit({ event: 'checkpoint', checkpoint: cp });
            });
          },
          onFirstLoss: (loss) => this.emit({ event: 'firstLoss', loss }),
          onDynamics: (sample) => this.emit({ event: 'dynamics', sample }),
        });
        if (this.lost && attempt < 3) continue; // lost during the last epoch: go again on a new device
        const at = { epoch: t.epoch, stepInEpoch: t.stepInEpoch };
        return res.status === 'nonfinite' ? { status: 'nonfinite', detail: res.detail, ...at } : { status: res.status, ...at };
      } catch (e) {
        // A lost device makes the pending GPU work fail: rebuild and go on, a few times at most.
        if (attempt >= 3 || !(await this.deviceWasLost(r))) throw e;
      }
    }
  }

  private async importFile(req: RequestOf<'import'>): Promise<Imported> {
    await this.build({ type: 'configure', spec: req.spec, config: req.config, trainLimit: req.trainLimit, testLimit: req.testLimit }, (m) =>
      loadWeights(m, req.bytes, req.file),
    );
    this.lastCheckpoint = null;
    const test = await this.trainer!.evaluate();
    return { file: req.file, params: this.model!.paramCount, testLoss: test.loss, testAcc: test.acc, liveBytes: this.rt!.liveBytes };
  }

  private dispose(): null {
    this.trainer?.stop();
    this.trainer?.destroy();
    this.model?.destroy();
    this.splits?.train.destroy();
    this.splits?.test.destroy();
    this.epochModel.destroy();
    this.rt?.device.destroy();
    this.trainer = null;
    this.model = null;
    this.splits = null;
    this.rt = null;
    return null;
  }

  private async inspect(max: number): Promise<Inspection> {
    const t = need(this.trainer, 'train the model');
    const d = need(this.data, 'load the data');
    const n = t.test.count;
    const c = confusion(await t.testOutputs(), d.test.labels.subarray(0, n), 10, max);
    const misclassified = c.wrong.map((w) => ({ ...w, image: d.test.images.slice(w.index * IMAGE_SIZE, (w.index + 1) * IMAGE_SIZE) }));
    return { confusion: c.matrix, accuracy: c.accuracy, misclassified };
  }

  /**
   * One digit through the current weights, between training steps if a run is going: its
   * dispatches queue behind the step in flight and the next step waits for nothing.
   */
  private async inside(req: RequestOf<'inside'>): Promise<Inside> {
    const live = need(this.model, 'train or import a model');
    const d = need(this.data, 'load the data');
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
    const firstConv = (m: Model) => m.infos.find((l) => l.type === 'Conv2d');
    const grads = (m: Model) => (firstConv(m) ? [firstConv(m)!.params[0].key] : []);
    const { r, m } = req.epoch
      ? await this.epochModel.inside(need(this.rt, 'open the GPU'), req.epoch, input, label, grads)
      : { r: await insideDigit(live, input, label, grads(live)), m: live };
    const conv = firstConv(m);
    const key = conv ? conv.params[0].key : null;
    const firstConvGrad =
      conv?.type === 'Conv2d' && key
        ? {
            layer: conv.index,
            shape: conv.params[0].shape,
            inShape: conv.inShape,
            outShape: conv.outShape,
            ph: conv.ph,
            pw: conv.pw,
            sh: conv.sh,
            sw: conv.sw,
            dh: conv.dh,
            dw: conv.dw,
            groups: conv.groups,
            data: r.paramGrads[key],
          }
        : null;
    const at = req.epoch ? { step: 0, epoch: req.epoch.epoch } : { step: m.batchesTracked };
    return { ...r, image: req.pixels ? null : (req.image ?? 0), input, firstConvGrad, ...at, ms: performance.now() - t0 };
  }
}
