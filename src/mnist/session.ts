// What changes the MNIST section's state (state.ts): the inputs, the training worker (which owns
// the GPU), each cell's status, the run and Run all. One session per section; every cell element
// reads `state`, calls these actions, and re-renders through a SessionController when it changes.
import { pageGpu } from '../app/page-gpu';
import type { CellStatus } from '../ui/nb-cell';
import { clearRun, saveRun, type SavedRun } from './checkpoints';
import { MnistClient, WorkerCallError } from './client';
import { strictNumber } from '../train/config';
import { parseForm, parseSpecText, SHORT_RUN, type Form } from './form';
import type { DataInfo, WorkerEvent } from './protocol';
import { InsideActions } from './inside-actions';
import { restoreSaved } from './saved-runs';
import { ASKED, cancelQueued, FAILED, queueAll, STOPPED, STOPPED_BUILDING } from './run-queue';
import { RunsKeeper } from './runs/runs-keeper';
import { epochBudgetNote } from './runs/epoch-weights';
import { replayFrom } from './replay';
import { epochsKept, initialState, LONG_RUN_SEC, MAX_SAMPLES, type Cell, type MnistState } from './state';

export { SessionController, type Cell, type MnistState } from './state';

/** A positive number of seconds, or LONG_RUN_SEC. */
function askAfter(q: string | null): number {
  const v = q === null ? NaN : strictNumber(q);
  return v > 0 ? v : LONG_RUN_SEC;
}

export class MnistSession {
  state: MnistState = initialState();
  private listeners = new Set<() => void>();
  private client: MnistClient | null = null;
  /** Stop pressed during Run all: the rest of the chain does not run. */
  private chainStopped = false;
  private fromRunAll = false;
  /** Run all asks before a run estimated to take longer than this (seconds; the `askAfter` query parameter). */
  readonly askAfterSec = askAfter(new URLSearchParams(location.search).get('askAfter'));
  /** Cells 8–10: one digit's inside and the weights, refreshed while training. */
  readonly inside = new InsideActions(this);
  /** Every finished or stopped run, kept in IndexedDB (cell 12). */
  readonly runs = new RunsKeeper(this);

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  set(patch: Partial<MnistState>): void {
    const next = { ...this.state, ...patch };
    if (patch.form) next.parsed = parseForm(next.form);
    if (patch.specText !== undefined) next.spec = parseSpecText(next.specText);
    this.state = next;
    for (const l of this.listeners) l();
  }

  setForm(k: keyof Form, v: string): void {
    this.set({ form: { ...this.state.form, [k]: v }, canContinue: false });
  }

  setSpec(text: string): void {
    this.set({ specText: text, canContinue: false });
  }

  /** What a built model depends on: Continue is offered only while it is unchanged. */
  key(): string {
    const p = this.state.parsed;
    return JSON.stringify([this.state.specText, p.config, p.trainLimit, p.testLimit]);
  }

  get ready(): boolean {
    const s = this.state;
    return Boolean(s.parsed.config && !s.spec.error) && !s.noGpu;
  }

  worker(): MnistClient {
    this.client ??= new MnistClient(this.onEvent);
    return this.client;
  }

  private onEvent = (e: WorkerEvent) => {
    const s = this.state;
    switch (e.event) {
      case 'loading':
        return this.set({ loading: e });
      case 'progress': {
        const p = e.progress;
        const patch: Partial<MnistState> = { progress: p, liveBytes: e.liveBytes };
        if (p.phase === 'train') {
          this.inside.onProgress();
          const x = p.epoch - 1 + p.step / p.steps;
          patch.trainPoints = [...s.trainPoints, { x, y: p.loss }];
          patch.trainAccPoints = [...s.trainAccPoints, { x, y: p.acc }];
        }
        // Run all never commits the user to a long run without asking.
        if (this.fromRunAll && p.runEtaSec !== null && p.runEtaSec > this.askAfterSec && !s.stopping) {
          this.fromRunAll = false;
          this.set(cancelQueued(this.state, ASKED) ?? {});
          patch.longRun = { etaSec: p.runEtaSec };
          this.stop();
        }
        return this.set(patch);
      }
      case 'epoch':
        return this.set({ epochs: [...s.epochs, e.log], epochBytes: [...s.epochBytes, e.liveBytes], liveBytes: e.liveBytes });
      case 'firstLoss':
        return this.set({ firstLoss: e.loss });
      case 'dynamics': {
        // Past MAX_SAMPLES, every other old sample goes: the whole run stays on the chart.
        const d = s.dynamics.length >= MAX_SAMPLES ? s.dynamics.filter((_, i) => i % 2 === 0) : s.dynamics;
        return this.set({ dynamics: [...d, e.sample] });
      }
      case 'checkpoint': {
        // The weights after this epoch, for the epoch sliders (none kept past the budget).
        const er = s.epochRun;
        if (er && !er.note && e.checkpoint.epoch === epochsKept(er) + 1) {
          const weights = [...er.weights];
          weights[e.checkpoint.epoch] = e.checkpoint.weights;
          this.set({ epochRun: { ...er, weights } });
        }
        void saveRun({ ...e.checkpoint, trainPoints: s.trainPoints, trainAccPoints: s.trainAccPoints, firstLoss: s.firstLoss });
        return;
      }
      case 'recovered':
        return this.set({ recovered: e.message });
    }
  };

  setCell(cell: Cell, st: CellStatus, message = ''): void {
    this.set({ status: { ...this.state.status, [cell]: st }, messages: { ...this.state.messages, [cell]: message } });
  }

  /** Run a cell's work with its status shown; an error is shown in the cell, never thrown. */
  async guard<T>(cell: Cell, fn: () => Promise<T>): Promise<T | null> {
    this.setCell(cell, 'running');
    try {
      const r = await fn();
      this.setCell(cell, 'done', this.state.messages[cell] ?? '');
      return r;
    } catch (e) {
      this.fail(cell, e);
      return null;
    }
  }

  fail(cell: Cell, e: unknown): void {
    const msg = (e as Error).message;
    if (e instanceof WorkerCallError && e.kind === 'nogpu') this.set({ noGpu: msg });
    this.setCell(cell, 'error', msg);
  }

  async ensureData(): Promise<DataInfo> {
    if (!this.state.info) this.set({ info: await this.worker().call({ type: 'init', dataUrl: new URL('data/', document.baseURI).href }), loading: null });
    return this.state.info!;
  }

  runTransforms = () =>
    this.guard('transforms', async () => {
      await this.ensureData();
      const c = this.state.parsed.config;
      if (!c) throw new Error('Fix the marked fields first.');
      this.set({ preview: await this.worker().call({ type: 'preview', augment: c.augment, seed: c.seed, count: 16 }) });
    });

  runDataset = () =>
    this.guard('dataset', async () => {
      await this.ensureData();
      this.set({ samples: await this.worker().call({ type: 'samples', perClass: 8 }) });
    });

  runLoaders = () =>
    this.guard('loaders', async () => {
      const { config, errors } = this.state.parsed;
      if (!config) throw new Error(Object.values(errors).join('; '));
      await this.ensureData();
    });

  runModel = () =>
    this.guard('model', async () => {
      if (this.state.spec.error) throw new Error(this.state.spec.error);
    });

  /** Build the model in the worker (fresh weights unless continuing), then train. */
  async runTrain(restart = true, resume: SavedRun | null = null): Promise<void> {
    // "Same initial weights": the picked run's seed into the fields, its initial weights to the worker.
    const replay = restart && !resume && this.state.replay ? replayFrom(this) : null;
    if (typeof replay === 'string') return this.setCell('train', 'error', replay);
    const { parsed: c, spec } = this.state;
    if (!c.config || spec.error) return this.setCell('train', 'error', 'Fix the marked fields first.');
    this.set({ training: true, stopping: false, longRun: null });
    this.setCell('train', 'running');
    this.setCell('plots', 'running');
    try {
      await this.ensureData();
      if (resume) {
        this.set({ built: await this.worker().call({ type: 'resume', checkpoint: resume }), builtFor: this.key(), saved: null });
        this.set({
          epochRun: { spec: resume.spec, weights: [], note: 'Weights per epoch are not kept for a run continued from a checkpoint of an earlier visit.' },
        });
      } else if (restart || !this.state.built || this.state.builtFor !== this.key()) {
        void clearRun();
        this.set({
          saved: null,
          recovered: '',
          imported: null,
          epochs: [],
          epochBytes: [],
          trainPoints: [],
          trainAccPoints: [],
          progress: null,
          firstLoss: null,
          inspection: null,
          dynamics: [],
          epochRun: null,
          insideEpoch: null,
          weightsEpoch: null,
        });
        const built = await this.worker().call({
          type: 'configure',
          spec: spec.value,
          config: c.config,
          trainLimit: c.trainLimit,
          testLimit: c.testLimit,
          ...(replay ? { initFrom: replay } : {}),
        });
        const note = epochBudgetNote(built.params, c.config.epochs) ?? '';
        const epochRun = { spec: spec.value, weights: note || !built.init ? [] : [built.init.weights], note };
        this.set({ built, builtFor: this.key(), liveBytes: built.liveBytes, epochRun });
      }
      // Stop reached the worker before its trainer existed (or before `train` resets it): no run.
      if (this.state.stopping) return this.stoppedBeforeFirstStep();
      const out = await this.worker().call({ type: 'train' });
      this.set({ canContinue: out.status !== 'done' });
      if (out.status === 'nonfinite') {
        this.setCell('train', 'error', out.detail.message);
        this.setCell('plots', 'error', 'Training stopped: see the Train / test cell.');
      } else {
        const where = out.stepInEpoch === 0 ? `after epoch ${out.epoch}` : `in epoch ${out.epoch + 1}, batch ${out.stepInEpoch}`;
        this.setCell('train', 'done', out.status === 'stopped' ? `Stopped ${where}. Continue picks up from there.` : '');
        this.setCell('plots', 'done');
      }
      if (out.status !== 'nonfinite') await this.runs.keep(out.status, out.stepInEpoch === 0);
    } catch (e) {
      this.fail('train', e);
      this.setCell('plots', 'error');
    } finally {
      this.set({ training: false, stopping: false });
    }
  }

  /** Stop pressed while the data, model, plan or pipelines were being made: nothing trained, nothing kept. */
  private stoppedBeforeFirstStep(): void {
    this.set({ canContinue: false, ...cancelQueued(this.state, STOPPED) });
    this.setCell('train', 'idle', STOPPED_BUILDING);
    this.setCell('plots', 'idle', `Not run: ${STOPPED}`);
  }

  /** Ask the section to scroll cell `n` into view, once. */
  reveal(cell: number): void {
    this.set({ reveal: { cell, seq: (this.state.reveal?.seq ?? 0) + 1 } });
  }

  /**
   * After Run all's run: the look inside shows the model just trained, not an empty cell: cell 8
   * on the first misclassified test digit (test image 0 when none is wrong), cell 9's kernels.
   */
  private async showTrained(): Promise<void> {
    if (this.state.status.train !== 'done' || this.chainStopped) return;
    await this.runInspect();
    if (this.chainStopped) return;
    const first = this.state.inspection?.misclassified[0]?.index ?? 0;
    await this.inside.show({ image: String(first) });
    await this.inside.refreshWeights();
  }

  /** Says "Stopping…" at once; the worker stops within one step, and Run all goes no further. */
  stop = () => {
    this.chainStopped = true;
    this.set({ stopping: true, ...cancelQueued(this.state, STOPPED) });
    void this.client?.call({ type: 'stop' });
  };

  runInspect = () =>
    this.guard('inspect', async () => {
      if (!this.state.built) throw new Error('Train the model first (cell 5).');
      this.set({ inspection: await this.worker().call({ type: 'inspect', maxMisclassified: 48 }) });
    });

  async predict(pixels: Float32Array | null): Promise<void> {
    if (!pixels) {
      this.inside.rememberDrawn(null, null);
      return this.set({ probs: null });
    }
    if (!this.state.built) return this.setCell('inspect', 'error', 'Train the model first (cell 5).');
    this.set({ probs: await this.worker().call({ type: 'predict', pixels }, []) });
    this.inside.rememberDrawn(pixels, this.state.probs);
  }

  /**
   * Every cell in order: data, model, a training run, the look inside. On a software adapter a
   * run longer than the short one is not started: the fields are set to the short run, and the
   * notice says so. A run whose estimate exceeds askAfterSec is stopped after the estimate, and asks.
   */
  async runAll(): Promise<void> {
    this.chainStopped = false;
    this.set({ notice: '', ...queueAll(this.state) });
    try {
      await this.runChain();
    } finally {
      this.set(cancelQueued(this.state, this.chainStopped ? STOPPED : FAILED) ?? {});
    }
  }

  private async runChain(): Promise<void> {
    for (const step of [this.runTransforms, this.runDataset, this.runLoaders, this.runModel]) {
      await step();
      if (this.state.noGpu || this.chainStopped) return;
    }
    const info = this.state.info;
    const p = this.state.parsed;
    const n = p.trainLimit ?? info?.trainCount ?? 60000;
    if (info?.fallback && p.config && (n > SHORT_RUN.trainLimit || p.config.epochs > SHORT_RUN.epochs)) {
      const full = `${p.config.epochs} epochs on ${n.toLocaleString('en-US')} images`;
      this.set({
        form: { ...this.state.form, trainLimit: String(SHORT_RUN.trainLimit), testLimit: String(SHORT_RUN.testLimit), epochs: String(SHORT_RUN.epochs) },
        notice:
          `This browser runs WebGPU on a software adapter (${info.adapter}), where ${full} would take hours. Run all made a short run instead: ` +
          `${SHORT_RUN.epochs} epochs on ${SHORT_RUN.trainLimit.toLocaleString('en-US')} training and ${SHORT_RUN.testLimit} test images. The fields show it; change them and press Run for a longer one.`,
      });
    }
    this.fromRunAll = true;
    // The progress is in cell 5, far below the header's button: show it, once.
    this.reveal(5);
    await this.runTrain(true);
    this.fromRunAll = false;
    await this.showTrained();
  }

  /** The answer to the long-run question: go on with the full run, or a short one instead. */
  async answerLongRun(full: boolean): Promise<void> {
    this.set({ longRun: null });
    if (!full)
      this.set({
        form: { ...this.state.form, trainLimit: String(SHORT_RUN.trainLimit), testLimit: String(SHORT_RUN.testLimit), epochs: String(SHORT_RUN.epochs) },
      });
    this.chainStopped = false;
    await this.runTrain(!full);
    await this.showTrained();
  }

  connect(): void {
    void pageGpu().then((g) => g.error && this.set({ noGpu: g.error }));
    void restoreSaved(this);
    void this.runs.refresh();
  }

  /** Give the GPU device back when the page goes away. */
  dispose(): void {
    const c = this.client;
    this.client = null;
    void c?.call({ type: 'dispose' }).finally(() => c.terminate());
  }
}
