// Training and testing a model on MNIST kept resident on the GPU. Each training step is one
// command buffer: [augment → forward → loss → backward → finite check → running stats → SGD];
// losses and correct counts accumulate on the GPU and are read every few steps, asynchronously
// enough that the GPU stays busy. The same class runs in Node (npm run train) and in the worker.
import type { MnistSplit } from '../data/mnist';
import type { Mode } from '../engine/layers';
import type { Model, StepStatus } from '../engine/model';
import { checkClassifier } from '../engine/spec';
import { augment, NO_AUGMENT } from '../engine/ops/augment';
import { pcg } from '../engine/rng';
import { permutation } from '../engine/rng';
import type { Call, Runtime } from '../engine/runtime';
import { StepProgram } from '../engine/step';
import { numel } from '../engine/tensor';
import { configErrors, errorLines, type TrainConfig } from './config';
import { diagnoseStep } from './diagnose';
import { Dynamics, type DynamicsSample } from './dynamics';
import { makeSchedule, type LrAt } from './schedule';

export interface EpochLog {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
  seconds: number;
  imagesPerSec: number;
  lr: number;
}

export interface Progress {
  /** Training steps, then the test pass, of each epoch. */
  phase: 'train' | 'test';
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Test images evaluated so far in this epoch's test pass, of testTotal. */
  testDone: number;
  testTotal: number;
  /** Running mean loss and accuracy (%) over the epoch's training so far. */
  loss: number;
  acc: number;
  /** Training images per second in this epoch. */
  imagesPerSec: number;
  /** The whole run: fraction done (0…1) and seconds left, test passes included. */
  runFraction: number;
  runEtaSec: number | null;
}

/** Why training stopped at a step: what went non-finite first and where. */
export interface NonFinite {
  epoch: number;
  step: number;
  message: string;
}

export interface TrainCallbacks {
  onProgress?(p: Progress): void;
  onEpoch?(e: EpochLog): void;
  /** The very first training step's loss (compared across Node and the browser). */
  onFirstLoss?(loss: number): void;
  /** Per-tensor gradient, weight and update norms and BatchNorm's running statistics, a few times a second. */
  onDynamics?(d: DynamicsSample): void;
}

/** A value that should be finite is not (the test loss, a label out of range): the run stops. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

export type RunResult = { status: 'done' | 'stopped' } | { status: 'nonfinite'; detail: NonFinite };

/** A split kept on the GPU: uint8 images, u32 labels, and the sample order for the epoch. */
export class GpuSplit {
  readonly images: GPUBuffer;
  readonly labels: GPUBuffer;
  readonly order: GPUBuffer;
  readonly count: number;

  constructor(
    readonly rt: Runtime,
    split: MnistSplit,
    label: string,
  ) {
    this.count = split.count;
    this.images = rt.upload(split.images, `${label} images`);
    this.labels = rt.upload(Uint32Array.from(split.labels), `${label} labels`);
    this.order = rt.upload(
      Uint32Array.from({ length: split.count }, (_, i) => i),
      `${label} order`,
    );
  }

  destroy(): void {
    for (const b of [this.images, this.labels, this.order]) this.rt.destroy(b);
  }
}

interface Program {
  step: StepProgram;
  feed: Call;
}

const SIDE = 28;
const CLASSES = 10;
/** A training image's cost relative to a test image's (forward + backward + update vs forward). */
const TRAIN_COST = 3;

export class Trainer {
  readonly rt: Runtime;
  readonly model: Model;
  readonly cfg: TrainConfig;
  readonly stepsPerEpoch: number;
  readonly history: EpochLog[] = [];
  /** Completed epochs, and the next step inside the current one (for Continue after Stop). */
  epoch = 0;
  stepInEpoch = 0;
  private lrAt: LrAt;
  private stopRequested = false;
  private programs = new Map<string, Program>();
  /** Buffers of the feed calls (uniform blocks), freed with the trainer. */
  private owned: GPUBuffer[] = [];
  private trainStats: GPUBuffer;
  private testStats: GPUBuffer;
  private readback: GPUBuffer;
  private epochTrainSec = 0;
  private firstLossSent = false;

  constructor(
    model: Model,
    readonly train: GpuSplit,
    readonly test: GpuSplit,
    cfg: TrainConfig,
  ) {
    const errs = configErrors(cfg);
    if (Object.keys(errs).length) throw new Error(`bad training configuration: ${errorLines(errs, (f) => f).replace(/\n/g, '; ')}`);
    this.rt = model.rt;
    this.model = model;
    this.cfg = cfg;
    if (numel(model.inShape) !== SIDE * SIDE) throw new Error(`the model takes ${model.inShape.join('×')} inputs; MNIST images are 1×28×28`);
    checkClassifier(model.infos, CLASSES);
    this.stepsPerEpoch = Math.ceil(train.count / cfg.batch);
    this.lrAt = makeSchedule(cfg.schedule, { lr: cfg.lr, momentum: cfg.momentum, epochs: cfg.epochs, stepsPerEpoch: this.stepsPerEpoch });
    this.trainStats = this.rt.buffer(16, 'train stats');
    this.testStats = this.rt.buffer(16, 'test stats');
    this.readback = this.rt.device.createBuffer({ size: 48, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
  }

  /** Programs per (mode, batch size): the full batch and the last, partial one. */
  private program(mode: Mode, N: number): Program {
    const key = `${mode}:${N}`;
    let p = this.programs.get(key);
    if (!p) {
      p = this.makeProgram(mode, N);
      this.programs.set(key, p);
    }
    return p;
  }

  private makeProgram(mode: Mode, N: number): Program {
    const train = mode === 'train';
    const split = train ? this.train : this.test;
    const step = new StepProgram(this.model, {
      N,
      mode,
      loss: 'nll',
      stats: train ? this.trainStats : this.testStats,
      sgd: train ? { weightDecay: this.cfg.weightDecay } : undefined,
    });
    const feed = this.rt.collect(this.owned, () =>
      augment(
        this.rt,
        N,
        SIDE,
        train,
        train ? this.cfg.augment : NO_AUGMENT,
        this.model.step,
        split.images,
        split.labels,
        split.order,
        step.plan.input.buf,
        step.target,
      ),
    );
    return { step, feed };
  }

  /** The batch sizes a run steps at: the full batch and, where the split does not divide, the last one. */
  private batchSizes(mode: Mode): number[] {
    const count = mode === 'train' ? this.train.count : this.test.count;
    const full = Math.min(this.cfg.batch, count);
    const last = count % full;
    return last ? [full, last] : [full];
  }

  /**
   * Every pipeline the run's steps dispatch, compiled asynchronously and in parallel before the
   * first step; returns ms. The list is what building the programs dry records (Runtime.measure),
   * so it cannot drift from what the steps use.
   */
  async warmUp(): Promise<number> {
    const t0 = performance.now();
    const modes: Mode[] = ['train', 'eval'];
    // Plans are checked against the device's limits as they are built (LimitError); anything
    // else WebGPU refuses while compiling or building is caught here, not at the first step.
    await this.rt.scoped('compiling the kernels and building the training plan', async () => {
      const { pipelines } = this.rt.measure(() => {
        for (const mode of modes) for (const N of this.batchSizes(mode)) this.makeProgram(mode, N);
      });
      await this.rt.compile(pipelines);
      for (const mode of modes) this.program(mode, this.batchSizes(mode)[0]);
      await this.rt.device.queue.onSubmittedWorkDone();
    });
    return performance.now() - t0;
  }

  stop(): void {
    this.stopRequested = true;
  }

  /** Resume from a checkpoint taken after `epoch` epochs, whose logs are `history`. */
  restore(epoch: number, history: EpochLog[]): void {
    this.epoch = epoch;
    this.stepInEpoch = 0;
    this.history.splice(0, this.history.length, ...history);
    this.firstLossSent = true;
  }

  /** Per-step seed for dropout masks and augmentation: reproducible, decorrelated. */
  stepSeed(globalStep: number): number {
    return pcg((pcg(this.cfg.seed) + globalStep) >>> 0);
  }

  private batchAt(step: number): { offset: number; count: number } {
    const offset = step * this.cfg.batch;
    return { offset, count: Math.min(this.cfg.batch, this.train.count - offset) };
  }

  private startEpoch(): void {
    this.rt.write(this.train.order, permutation(this.train.count, (this.cfg.seed * 1000003 + this.epoch) >>> 0));
    this.rt.write(this.trainStats, new Float32Array(4));
    this.epochTrainSec = 0;
  }

  private async readStats(stats: GPUBuffer): Promise<{ stats: Float32Array; status: Uint32Array }> {
    const enc = this.rt.device.createCommandEncoder();
    enc.copyBufferToBuffer(stats, 0, this.readback, 0, 16);
    enc.copyBufferToBuffer(this.model.status, 0, this.readback, 16, 32);
    this.rt.submit(enc.finish());
    await this.readback.mapAsync(GPUMapMode.READ);
    const r = this.readback.getMappedRange();
    const out = { stats: new Float32Array(r.slice(0, 16)), status: new Uint32Array(r.slice(16, 48)) };
    this.readback.unmap();
    // A dispatch WebGPU refused was skipped: what was read is not the work asked for.
    this.rt.throwIfErrors('training');
    return out;
  }

  /**
   * Work of the whole run in units of one test image's forward pass (a training image costs
   * about three: forward, backward, update): what run-level progress and its ETA are measured in.
   */
  private units(epoch: number, stepInEpoch: number, testDone: number): number {
    const perEpoch = TRAIN_COST * this.train.count + this.test.count;
    return epoch * perEpoch + TRAIN_COST * Math.min(this.train.count, stepInEpoch * this.cfg.batch) + testDone;
  }

  private runClock = { t0: 0, units0: 0 };

  private runProgress(epoch: number, stepInEpoch: number, testDone: number): { runFraction: number; runEtaSec: number | null } {
    const total = this.units(this.cfg.epochs, 0, 0);
    const done = this.units(epoch, stepInEpoch, testDone);
    const sec = (performance.now() - this.runClock.t0) / 1000;
    const rate = (done - this.runClock.units0) / Math.max(sec, 1e-9);
    // No estimate before a second of this run's own work has been measured.
    return { runFraction: Math.min(1, done / total), runEtaSec: sec >= 1 && rate > 0 ? (total - done) / rate : null };
  }

  /** Train until `cfg.epochs` epochs are done, Stop is pressed, or a step goes non-finite. */
  async run(cb: TrainCallbacks = {}): Promise<RunResult> {
    this.stopRequested = false;
    this.model.resetStatus();
    this.runClock = { t0: performance.now(), units0: this.units(this.epoch, this.stepInEpoch, 0) };
    while (this.epoch < this.cfg.epochs) {
      if (this.stepInEpoch === 0) this.startEpoch();
      const r = await this.trainEpoch(cb);
      if (r) return r;
      const tTest = performance.now();
      let test: { loss: number; acc: number } | null;
      try {
        test = await this.evaluate((done) =>
          cb.onProgress?.({ ...this.lastProgress!, phase: 'test', testDone: done, ...this.runProgress(this.epoch, this.stepsPerEpoch, done) }),
        );
      } catch (e) {
        if (e instanceof NonFiniteError) return { status: 'nonfinite', detail: { epoch: this.epoch + 1, step: this.stepsPerEpoch, message: e.message } };
        throw e;
      }
      if (!test) return { status: 'stopped' }; // stopped during the test pass: Continue runs it again
      const log: EpochLog = {
        epoch: this.epoch + 1,
        trainLoss: this.lastTrain.loss,
        trainAcc: this.lastTrain.acc,
        testLoss: test.loss,
        testAcc: test.acc,
        seconds: this.epochTrainSec + (performance.now() - tTest) / 1000,
        imagesPerSec: this.train.count / this.epochTrainSec,
        lr: this.lrAt((this.epoch + 1) * this.stepsPerEpoch - 1).lr,
      };
      this.history.push(log);
      this.epoch++;
      this.stepInEpoch = 0;
      cb.onEpoch?.(log);
    }
    return { status: 'done' };
  }

  private lastTrain = { loss: NaN, acc: NaN };
  private lastProgress: Progress | null = null;
  private dynamics: Dynamics | null = null;

  /** Returns a result when the epoch did not complete (stopped or non-finite). */
  private async trainEpoch(cb: TrainCallbacks): Promise<RunResult | null> {
    const steps = this.stepsPerEpoch;
    let every = 1;
    let since = performance.now();
    let sinceStep = this.stepInEpoch;
    const resumedAt = this.stepInEpoch;
    const t0 = performance.now();
    while (this.stepInEpoch < steps) {
      if (this.stopRequested) {
        await this.rt.device.queue.onSubmittedWorkDone();
        this.epochTrainSec += (performance.now() - t0) / 1000;
        return { status: 'stopped' };
      }
      const s = this.stepInEpoch;
      const g = this.epoch * steps + s;
      if (cb.onDynamics && !this.dynamics) this.dynamics = new Dynamics(this.rt, this.model, (d) => cb.onDynamics?.(d));
      const prog = await this.issue(g, s === resumedAt ? `training step ${s + 1} of epoch ${this.epoch + 1}` : undefined);
      this.model.batchesTracked++;
      this.stepInEpoch++;
      if (!this.firstLossSent && g === 0 && cb.onFirstLoss) {
        this.firstLossSent = true;
        cb.onFirstLoss((await this.rt.readF32(prog.step.lossOut, 1))[0]);
      }
      const last = this.stepInEpoch === steps;
      if (this.stepInEpoch - sinceStep >= every || last) {
        const { stats, status } = await this.readStats(this.trainStats);
        const st = this.model.decodeStatus(status);
        if (!st.ok) {
          await this.rt.device.queue.onSubmittedWorkDone();
          this.epochTrainSec += (performance.now() - t0) / 1000;
          return { status: 'nonfinite', detail: await this.diagnose(st.badStep ?? g, g, st) };
        }
        const now = performance.now();
        const dt = (now - since) / 1000;
        const stepSec = dt / Math.max(1, this.stepInEpoch - sinceStep);
        // Aim for about five progress updates a second without stalling a fast GPU.
        every = Math.max(1, Math.min(64, Math.round(0.2 / Math.max(stepSec, 1e-6))));
        since = now;
        sinceStep = this.stepInEpoch;
        const elapsed = (now - t0) / 1000;
        const ips = ((this.stepInEpoch - resumedAt) * this.cfg.batch) / Math.max(elapsed, 1e-9);
        this.lastTrain = { loss: stats[0] / stats[2], acc: (100 * stats[1]) / stats[2] };
        this.lastProgress = {
          phase: 'train',
          epoch: this.epoch + 1,
          epochs: this.cfg.epochs,
          step: this.stepInEpoch,
          steps,
          testDone: 0,
          testTotal: this.test.count,
          loss: this.lastTrain.loss,
          acc: this.lastTrain.acc,
          imagesPerSec: ips,
          ...this.runProgress(this.epoch, this.stepInEpoch, 0),
        };
        cb.onProgress?.(this.lastProgress);
      }
    }
    this.epochTrainSec += (performance.now() - t0) / 1000;
    return null;
  }

  /** Write step g's uniform (its batch, dropout seed, lr, momentum): where every step is set up. */
  private setUp(g: number): { prog: Program; lr: number } {
    const { offset, count } = this.batchAt(g % this.stepsPerEpoch);
    const prog = this.program('train', count);
    const { lr, momentum } = this.lrAt(g);
    this.model.writeStep({ seed: this.stepSeed(g), index: g, offset, count, lr, momentum });
    return { prog, lr };
  }

  /**
   * Issue training step g as one command buffer (with a dynamics sample when one is due); with
   * `scope`, inside WebGPU error scopes named by it. The one place a training step is issued.
   */
  private async issue(g: number, scope?: string): Promise<Program> {
    const { prog, lr } = this.setUp(g);
    const extra = this.dynamics?.due() ?? [];
    const run = () => this.rt.run([prog.feed, ...prog.step.trainCalls, ...extra], extra.length ? (enc) => this.dynamics!.collect(enc) : undefined);
    if (scope) await this.rt.scoped(scope, run);
    else run();
    if (extra.length) this.dynamics!.read(g, lr);
    return prog;
  }

  /**
   * For benchmarks: `n` training steps back to back (wrapping around the epoch), no readback,
   * then wait for the GPU. The step counters are not advanced.
   */
  async benchSteps(n: number): Promise<void> {
    if (this.stepInEpoch === 0 && this.epoch === 0) this.startEpoch();
    for (let k = 0; k < n; k++) await this.issue(k, k === 0 ? 'the first benchmark step' : undefined);
    await this.rt.device.queue.onSubmittedWorkDone();
    this.rt.throwIfErrors('benchmark steps');
  }

  /** The dispatches of one full-batch training step (for profiles). */
  stepCalls(): Call[] {
    const prog = this.program('train', this.batchAt(0).count);
    return [prog.feed, ...prog.step.trainCalls];
  }

  /**
   * Test loss (mean NLL) and accuracy (%) over the test split. Throws a NonFiniteError when the
   * loss is not finite or a label has no output, and a GpuError when the GPU refused the work.
   */
  async evaluate(): Promise<{ loss: number; acc: number }>;
  /** With `onProgress`: reports images done about ten times, and returns null if Stop is pressed. */
  async evaluate(onProgress: (done: number) => void): Promise<{ loss: number; acc: number } | null>;
  async evaluate(onProgress?: (done: number) => void): Promise<{ loss: number; acc: number } | null> {
    this.rt.write(this.testStats, new Float32Array(4));
    const B = this.cfg.batch;
    const every = Math.max(1, Math.ceil(this.test.count / B / 10)) * B;
    for (let offset = 0; offset < this.test.count; offset += B) {
      const count = Math.min(B, this.test.count - offset);
      const prog = this.program('eval', count);
      this.model.writeStep({ seed: 0, index: 0, offset, count, lr: 0, momentum: 0 });
      if (offset === 0) await this.rt.scoped('the first test batch', () => this.rt.run([prog.feed, ...prog.step.evalCalls]));
      else this.rt.run([prog.feed, ...prog.step.evalCalls]);
      if (onProgress && (offset + count) % every === 0 && offset + count < this.test.count) {
        await this.rt.device.queue.onSubmittedWorkDone();
        if (this.stopRequested) return null;
        onProgress(offset + count);
      }
    }
    const { stats, status } = await this.readStats(this.testStats);
    const st = this.model.decodeStatus(status);
    const loss = stats[0] / stats[2];
    const acc = (100 * stats[1]) / stats[2];
    if (st.badLabel !== null) throw new NonFiniteError(`Testing stopped: a test label is out of range for the model's ${CLASSES} outputs.`);
    if (st.badLoss || !Number.isFinite(loss) || !Number.isFinite(acc) || stats[2] !== this.test.count)
      throw new NonFiniteError(
        `Testing stopped: the test loss is ${loss} over ${stats[2]} of ${this.test.count} images (the weights give NaN/Inf outputs). The weights are kept as they are.`,
      );
    return { loss, acc };
  }

  /** The model's output (log-probabilities) for every test sample, in order. */
  async testOutputs(): Promise<Float32Array> {
    const C = numel(this.model.outShape);
    const out = new Float32Array(this.test.count * C);
    const B = this.cfg.batch;
    for (let offset = 0; offset < this.test.count; offset += B) {
      const count = Math.min(B, this.test.count - offset);
      const prog = this.program('eval', count);
      this.model.writeStep({ seed: 0, index: 0, offset, count, lr: 0, momentum: 0 });
      this.rt.run([prog.feed, ...prog.step.plan.forward]);
      out.set(await this.rt.readF32(prog.step.plan.output.buf, count * C), offset * C);
    }
    return out;
  }

  /** The model's output for one normalised 28×28 image. */
  async predictImage(x: Float32Array): Promise<Float32Array> {
    const plan = this.model.plan(1, 'eval');
    this.rt.write(plan.input.buf as GPUBuffer, x);
    this.rt.run(plan.forward);
    return this.rt.readF32(plan.output.buf, numel(this.model.outShape));
  }

  /**
   * Replays the step that went non-finite (the weights are still those from before it) and
   * says where it first went wrong (src/train/diagnose.ts).
   */
  private async diagnose(badStep: number, lastStep: number, st: StepStatus): Promise<NonFinite> {
    const steps = this.stepsPerEpoch;
    // The bad step and every step after it were skipped: put the counters back to the bad step.
    this.model.batchesTracked -= lastStep - badStep + 1;
    this.epoch = Math.floor(badStep / steps);
    this.stepInEpoch = badStep % steps;
    this.rt.write(this.trainStats, new Float32Array(4));
    const { prog, lr } = this.setUp(badStep);
    return diagnoseStep({ rt: this.rt, model: this.model, step: prog.step, feed: prog.feed, lr, epoch: this.epoch, stepInEpoch: this.stepInEpoch, steps }, st);
  }

  destroy(): void {
    this.dynamics?.destroy();
    this.dynamics = null;
    for (const p of this.programs.values()) p.step.destroy();
    this.programs.clear();
    this.model.releasePlans();
    for (const b of [this.trainStats, this.testStats, ...this.owned]) this.rt.destroy(b);
    this.owned = [];
    this.readback.destroy();
  }
}
