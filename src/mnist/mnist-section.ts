// "MNIST CNN": the S5 notebook as live cells — transforms, dataset, loaders, model summary,
// train/test, plots, and a look inside — with training in a worker that owns the GPU.
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { checkClassifier, classifierError, parseSpec, readSpecText, SpecError } from '../engine/spec';
import { summarize, type Summary } from '../engine/summary';
import defaultSpec from '../models/mnist-default.json';
import { DEFAULT_CONFIG, parseConfig, type RawConfig, type TrainConfig } from '../train/config';
import type { EpochLog, Progress } from '../train/trainer';
import '../ui/digit-grid';
import '../ui/draw-pad';
import { fmt, fmtBytes, fmtInt, fmtSeconds } from '../ui/format';
import '../ui/line-chart';
import type { Series } from '../ui/line-chart';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import './mnist-views';
import { readSafetensors } from '../engine/safetensors';
import { pageGpu } from '../ui/page-gpu';
import { clearRun, loadRun, saveRun, type SavedRun } from './checkpoints';
import { MnistClient, WorkerCallError } from './client';
import type { Built, DataInfo, Imported, Inspection, Preview, Samples, WorkerEvent } from './protocol';

/** One layer per line. */
const SPEC_TEXT = `[\n${defaultSpec.map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n]`;

interface Form {
  epochs: string;
  batch: string;
  lr: string;
  momentum: string;
  weightDecay: string;
  seed: string;
  trainLimit: string;
  testLimit: string;
  rotation: string;
  cropP: string;
  /** 'OneCycleLR' | 'StepLR' | 'constant' from the menu; anything else (from the URL) is refused at the field. */
  schedule: string;
  stepSize: string;
  gamma: string;
}

const CELLS = ['transforms', 'dataset', 'loaders', 'model', 'train', 'plots', 'inspect'] as const;
type Cell = (typeof CELLS)[number];

function initialForm(): Form {
  const q = new URLSearchParams(location.search);
  const get = (k: string, d: string | number) => q.get(k) ?? String(d);
  return {
    epochs: get('epochs', DEFAULT_CONFIG.epochs),
    batch: get('batch', DEFAULT_CONFIG.batch),
    lr: get('lr', DEFAULT_CONFIG.lr),
    momentum: get('momentum', DEFAULT_CONFIG.momentum),
    weightDecay: get('weightDecay', DEFAULT_CONFIG.weightDecay),
    seed: get('seed', DEFAULT_CONFIG.seed),
    trainLimit: get('trainLimit', ''),
    testLimit: get('testLimit', ''),
    rotation: get('rotation', DEFAULT_CONFIG.augment.rotation),
    cropP: get('cropP', DEFAULT_CONFIG.augment.cropP),
    schedule: q.get('schedule') ?? 'OneCycleLR',
    stepSize: get('stepSize', 8),
    gamma: get('gamma', 0.1),
  };
}

function formFrom(c: TrainConfig, trainLimit?: number, testLimit?: number): Form {
  const s = c.schedule;
  return {
    epochs: String(c.epochs), batch: String(c.batch), lr: String(c.lr), momentum: String(c.momentum), weightDecay: String(c.weightDecay),
    seed: String(c.seed), trainLimit: trainLimit ? String(trainLimit) : '', testLimit: testLimit ? String(testLimit) : '',
    rotation: String(c.augment.rotation), cropP: String(c.augment.cropP),
    schedule: s.type, stepSize: s.type === 'StepLR' ? String(s.step_size) : '8', gamma: s.type === 'StepLR' ? String(s.gamma) : '0.1',
  };
}

@customElement('mnist-section')
export class MnistSection extends LitElement {
  @state() private form: Form = initialForm();
  @state() private specText = new URLSearchParams(location.search).get('model') ?? SPEC_TEXT;
  @state() private status: Partial<Record<Cell, CellStatus>> = {};
  @state() private messages: Partial<Record<Cell, string>> = {};
  @state() private info: DataInfo | null = null;
  @state() private loading: { loaded: number; total: number; stage: string } | null = null;
  @state() private preview: Preview | null = null;
  @state() private samples: Samples | null = null;
  @state() private built: Built | null = null;
  @state() private progress: Progress | null = null;
  @state() private epochs: EpochLog[] = [];
  @state() private liveBytes = 0;
  @state() private firstLoss: number | null = null;
  @state() private training = false;
  @state() private canContinue = false;
  @state() private inspection: Inspection | null = null;
  @state() private probs: number[] | null = null;
  @state() private noGpu = '';
  @state() private trainPoints: { x: number; y: number }[] = [];
  @state() private trainAccPoints: { x: number; y: number }[] = [];
  @state() private saved: SavedRun | null = null;
  /** Why the checkpoint in IndexedDB cannot be used (shown with a Discard button). */
  @state() private badSaved = '';
  /** Live GPU bytes at the end of each epoch of this page's runs. */
  @state() private epochBytes: number[] = [];
  @state() private recovered = '';
  @state() private imported: Imported | null = null;
  @state() private weightsError = '';
  private client: MnistClient | null = null;
  private builtFor = '';
  private onPageHide = () => {
    // Give the GPU device back when the page goes away.
    void this.client?.call({ type: 'dispose' }).finally(() => this.client?.terminate());
  };

  static override styles = css`
    :host { display: block; max-width: 1100px; }
    .form { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 8px 12px; margin: 0 0 10px; }
    label { display: flex; flex-direction: column; font-size: 12px; color: #475569; gap: 2px; }
    input[type='text'], select { font: 13px ui-monospace, monospace; padding: 4px 6px; border: 1px solid #cbd5e1; border-radius: 5px; }
    input[aria-invalid='true'], textarea[aria-invalid='true'] { border-color: #dc2626; background: #fef2f2; }
    .err { color: #b91c1c; font-size: 11px; min-height: 13px; }
    textarea { width: 100%; box-sizing: border-box; font: 12px/1.35 ui-monospace, monospace; min-height: 180px; border: 1px solid #cbd5e1; border-radius: 6px; padding: 6px; }
    .row { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 8px 0; font-size: 13px; }
    button { font: inherit; font-size: 13px; padding: 4px 12px; border-radius: 6px; border: 1px solid #cbd5e1; background: #fff; cursor: pointer; }
    button.primary { background: #2563eb; border-color: #2563eb; color: #fff; }
    button:disabled { opacity: 0.5; cursor: not-allowed; }
    table { border-collapse: collapse; font-size: 13px; }
    td, th { padding: 3px 10px; border-bottom: 1px solid #f1f5f9; text-align: right; font-variant-numeric: tabular-nums; }
    th { color: #475569; font-weight: 600; font-size: 12px; }
    td:first-child, th:first-child { text-align: left; }
    progress { width: 100%; height: 14px; }
    .muted { color: #64748b; font-size: 12px; }
    .warn { background: #fff7ed; border: 1px solid #fed7aa; color: #9a3412; padding: 8px 10px; border-radius: 6px; font-size: 13px; margin: 8px 0; }
    .nogpu { background: #fef2f2; border: 1px solid #fecaca; color: #7f1d1d; padding: 12px 14px; border-radius: 10px; margin: 0 0 16px; font-size: 14px; }
    .charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
    @media (max-width: 800px) { .charts { grid-template-columns: 1fr; } }
    .grid2 { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
    .bar { display: inline-block; height: 8px; background: #2563eb; border-radius: 2px; vertical-align: middle; }
  `;

  // ---- configuration ------------------------------------------------------------------

  private get spec(): { value: unknown; error: string | null; summary: Summary | null } {
    try {
      const value = readSpecText(this.specText); // size and nesting bounded before parsing
      const summary = summarize(value, [1, 28, 28]);
      const notClassifier = classifierError(parseSpec(value, [1, 28, 28]), 10);
      return { value, error: notClassifier, summary };
    } catch (e) {
      return { value: null, error: e instanceof SpecError ? e.message : `The model spec is not valid JSON: ${(e as Error).message}`, summary: null };
    }
  }

  /** The form through the same strict parser the CLI uses; errors are shown at their fields. */
  private get config(): { config: TrainConfig | null; errors: Record<string, string>; trainLimit?: number; testLimit?: number } {
    const f = this.form;
    const raw: RawConfig = {
      epochs: f.epochs, batch: f.batch, lr: f.lr, momentum: f.momentum, weightDecay: f.weightDecay, seed: f.seed,
      rotation: f.rotation, cropP: f.cropP, schedule: f.schedule,
    };
    // An empty limit means "all of the split" (the field says so).
    if (f.trainLimit.trim() !== '') raw.trainLimit = f.trainLimit;
    if (f.testLimit.trim() !== '') raw.testLimit = f.testLimit;
    if (f.schedule === 'StepLR') Object.assign(raw, { stepSize: f.stepSize, gamma: f.gamma });
    const r = parseConfig(raw);
    if (!r.ok) return { config: null, errors: r.errors as Record<string, string> };
    return { config: r.value.config, errors: {}, trainLimit: r.value.trainLimit, testLimit: r.value.testLimit };
  }

  private setForm(k: keyof Form, v: string) {
    this.form = { ...this.form, [k]: v };
    this.canContinue = false;
  }

  // ---- worker -------------------------------------------------------------------------

  private onEvent = (e: WorkerEvent) => {
    switch (e.event) {
      case 'loading':
        this.loading = e;
        break;
      case 'progress': {
        this.progress = e.progress;
        this.liveBytes = e.liveBytes;
        const x = e.progress.epoch - 1 + e.progress.step / e.progress.steps;
        this.trainPoints = [...this.trainPoints, { x, y: e.progress.loss }];
        this.trainAccPoints = [...this.trainAccPoints, { x, y: e.progress.acc }];
        break;
      }
      case 'epoch':
        this.epochs = [...this.epochs, e.log];
        this.epochBytes = [...this.epochBytes, e.liveBytes];
        this.liveBytes = e.liveBytes;
        break;
      case 'firstLoss':
        this.firstLoss = e.loss;
        break;
      case 'checkpoint':
        void saveRun({ ...e.checkpoint, trainPoints: this.trainPoints, trainAccPoints: this.trainAccPoints, firstLoss: this.firstLoss });
        break;
      case 'recovered':
        this.recovered = e.message;
        break;
    }
  };

  private worker(): MnistClient {
    this.client ??= new MnistClient(this.onEvent);
    return this.client;
  }

  private set(cell: Cell, s: CellStatus, message = '') {
    this.status = { ...this.status, [cell]: s };
    this.messages = { ...this.messages, [cell]: message };
  }

  private async guard<T>(cell: Cell, fn: () => Promise<T>): Promise<T | null> {
    this.set(cell, 'running');
    try {
      const r = await fn();
      this.set(cell, 'done', this.messages[cell] ?? '');
      return r;
    } catch (e) {
      const msg = (e as Error).message;
      if (e instanceof WorkerCallError && e.kind === 'nogpu') this.noGpu = msg;
      this.set(cell, 'error', msg);
      return null;
    }
  }

  private async ensureData(): Promise<DataInfo> {
    if (!this.info) {
      this.info = await this.worker().call({ type: 'init' });
      this.loading = null;
    }
    return this.info;
  }

  // ---- cells --------------------------------------------------------------------------

  private runTransforms() {
    return this.guard('transforms', async () => {
      await this.ensureData();
      const { config } = this.config;
      const augment = config?.augment ?? DEFAULT_CONFIG.augment;
      this.preview = await this.worker().call({ type: 'preview', augment, seed: config?.seed ?? 1, count: 16 });
    });
  }

  private runDataset() {
    return this.guard('dataset', async () => {
      await this.ensureData();
      this.samples = await this.worker().call({ type: 'samples', perClass: 8 });
    });
  }

  private runLoaders() {
    return this.guard('loaders', async () => {
      const { config, errors } = this.config;
      if (!config) throw new Error(Object.values(errors).join('; '));
      await this.ensureData();
    });
  }

  private runModel() {
    return this.guard('model', async () => {
      const s = this.spec;
      if (s.error) throw new Error(s.error);
    });
  }

  private key(): string {
    const c = this.config;
    return JSON.stringify([this.specText, c.config, c.trainLimit, c.testLimit]);
  }

  /** Build the model and trainer in the worker (fresh weights), then train. */
  async runTrain(restart = true, resume: SavedRun | null = null): Promise<void> {
    const c = this.config;
    const s = this.spec;
    if (!c.config || s.error) {
      this.set('train', 'error', 'Fix the marked fields first.');
      return;
    }
    this.training = true;
    this.set('train', 'running');
    this.set('plots', 'running');
    try {
      await this.ensureData();
      if (resume) {
        this.built = await this.worker().call({ type: 'resume', checkpoint: resume });
        this.builtFor = this.key();
        this.saved = null;
      } else if (restart || !this.built || this.builtFor !== this.key()) {
        void clearRun();
        this.saved = null;
        this.recovered = '';
        this.imported = null;
        this.epochs = [];
        this.epochBytes = [];
        this.trainPoints = [];
        this.trainAccPoints = [];
        this.progress = null;
        this.firstLoss = null;
        this.inspection = null;
        this.built = await this.worker().call({ type: 'configure', spec: s.value, config: c.config, trainLimit: c.trainLimit, testLimit: c.testLimit });
        this.builtFor = this.key();
        this.liveBytes = this.built.liveBytes;
      }
      const out = await this.worker().call({ type: 'train' });
      this.canContinue = out.status !== 'done';
      if (out.status === 'nonfinite') {
        this.set('train', 'error', out.detail.message);
        this.set('plots', 'error', 'Training stopped: see the Train / test cell.');
      } else {
        const msg = out.status === 'stopped' ? `Stopped in epoch ${out.epoch + 1}, batch ${out.stepInEpoch}. Continue picks up from there.` : '';
        this.set('train', 'done', msg);
        this.set('plots', 'done');
      }
    } catch (e) {
      const msg = (e as Error).message;
      if (e instanceof WorkerCallError && e.kind === 'nogpu') this.noGpu = msg;
      this.set('train', 'error', msg);
      this.set('plots', 'error');
    } finally {
      this.training = false;
    }
  }

  /** Continue an interrupted run from its checkpoint (after a reload or a crash). */
  private async continueSaved() {
    const s = this.saved;
    if (!s) return;
    this.form = formFrom(s.config, s.trainLimit, s.testLimit);
    this.specText = JSON.stringify(s.spec, null, 0).startsWith('[') ? `[\n${(s.spec as unknown[]).map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n]` : JSON.stringify(s.spec);
    await this.runTrain(false, s);
  }

  private async discardSaved() {
    await clearRun();
    this.saved = null;
    this.epochs = [];
    this.trainPoints = [];
    this.trainAccPoints = [];
  }

  private async exportWeights() {
    this.weightsError = '';
    try {
      const bytes = await this.worker().call({ type: 'export' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      a.download = `mnist-${this.built?.params ?? 'model'}p-epoch${this.epochs.length}.safetensors`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      this.weightsError = (e as Error).message;
    }
  }

  /** Load a .safetensors (ours or PyTorch's) into a new model; on any problem the current one stays. */
  private async importWeights(e: Event) {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    this.weightsError = '';
    this.imported = null;
    const c = this.config;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const parsed = readSafetensors(bytes, file.name); // corrupt or truncated files stop here
      let spec = this.spec.value;
      let specText = this.specText;
      if (parsed.metadata.model) {
        // Bounded before parsing: a file's metadata can hold anything.
        spec = readSpecText(parsed.metadata.model, `${file.name}: the model spec in its metadata`);
        checkClassifier(parseSpec(spec, [1, 28, 28]), 10);
        specText = `[\n${(spec as unknown[]).map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n]`;
      }
      if (!c.config || !spec) throw new Error('Fix the marked fields first.');
      await this.ensureData();
      const r = await this.worker().call({ type: 'import', bytes, file: file.name, spec, config: c.config, trainLimit: c.trainLimit, testLimit: c.testLimit }, [bytes.buffer]);
      this.specText = specText;
      this.imported = r;
      this.liveBytes = r.liveBytes;
      this.built = { params: r.params, warmUpMs: 0, liveBytes: r.liveBytes, stepsPerEpoch: 0, lastBatch: 0 };
      this.builtFor = this.key();
      this.canContinue = true;
      this.epochs = [];
      this.trainPoints = [];
      this.trainAccPoints = [];
      this.inspection = null;
      void clearRun();
    } catch (err) {
      this.weightsError = (err as Error).message;
    }
  }

  private stop() {
    void this.client?.call({ type: 'stop' });
  }

  private runInspect() {
    return this.guard('inspect', async () => {
      if (!this.built) throw new Error('Train the model first (cell 5).');
      this.inspection = await this.worker().call({ type: 'inspect', maxMisclassified: 48 });
    });
  }

  private async predict(pixels: Float32Array | null) {
    if (!pixels) {
      this.probs = null;
      return;
    }
    if (!this.built) {
      this.set('inspect', 'error', 'Train the model first (cell 5).');
      return;
    }
    this.probs = await this.worker().call({ type: 'predict', pixels }, []);
  }

  /** Every cell in order: data, model, a full training run, then the look inside. */
  async runAll(): Promise<void> {
    await this.runTransforms();
    if (this.noGpu) return;
    await this.runDataset();
    await this.runLoaders();
    await this.runModel();
    await this.runTrain(true);
    if (this.status.train === 'done') await this.runInspect();
  }

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('pagehide', this.onPageHide);
    (window as unknown as { __mnist: unknown }).__mnist = {
      // For tests: what a driver reset does.
      loseDevice: () => this.client?.call({ type: 'loseDevice' }),
    };
    void pageGpu().then((g) => {
      if (g.error) this.noGpu = g.error;
    });
    void loadRun().then(({ run, error }) => {
      if (error) this.badSaved = error;
      if (!run || this.epochs.length || this.training) return;
      this.saved = run;
      this.epochs = run.history;
      this.trainPoints = run.trainPoints;
      this.trainAccPoints = run.trainAccPoints;
      this.firstLoss = run.firstLoss;
    });
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener('pagehide', this.onPageHide);
    this.client?.terminate();
    this.client = null;
  }

  // ---- rendering ----------------------------------------------------------------------

  private field(k: keyof Form, label: string, errors: Record<string, string>) {
    return html`<label>${label}
      <input type="text" data-testid="mnist-${k}" .value=${this.form[k]} aria-invalid=${errors[k] ? 'true' : 'false'}
        @input=${(e: Event) => this.setForm(k, (e.target as HTMLInputElement).value)} />
      <span class="err" data-testid="mnist-error-${k}">${errors[k] ?? ''}</span></label>`;
  }

  private renderLoading() {
    const l = this.loading;
    if (!l) return null;
    return html`<div class="row"><progress max=${l.total} value=${l.loaded}></progress>
      <span class="muted">${l.stage === 'verify' ? 'checking' : 'downloading'} MNIST: ${fmtBytes(l.loaded)} / ${fmtBytes(l.total)}</span></div>`;
  }

  private renderTransforms(errors: Record<string, string>) {
    const p = this.preview;
    return html`<div class="form">
        ${this.field('rotation', 'random rotation ± degrees', errors)} ${this.field('cropP', 'centre-crop 22 → 28, probability', errors)}
      </div>
      <div class="row">
        <button data-testid="mnist-s5-transforms" @click=${() => { this.setForm('rotation', '15'); this.setForm('cropP', '0.1'); }}>S5 transforms (±15°, crop p = 0.1)</button>
        <button @click=${() => { this.setForm('rotation', '7'); this.setForm('cropP', '0'); }}>Default (±7°)</button>
        <span class="muted">then Normalize(0.1307, 0.3081); the test set is only normalised.</span>
      </div>
      ${this.renderLoading()}
      ${p
        ? html`<div class="grid2">
              <div><div class="muted">before</div><digit-grid .images=${p.before} columns="8" scale="2"></digit-grid></div>
              <div><div class="muted">after (as the model sees them)</div><digit-grid .images=${p.after} columns="8" scale="2"></digit-grid></div>
            </div>
            <p class="muted" data-testid="mnist-augment-timing">Augmentation runs on the GPU, in a WGSL kernel that also gathers the batch from the resident data set:
              ${fmt(p.gpuMsPerBatch, 3)} ms per batch of 128 here; the same transform in JavaScript, as a CPU worker would do it, takes
              ${fmt(p.cpuMsPerBatch, 3)} ms.</p>`
        : null}`;
  }

  private renderDataset() {
    const i = this.info;
    if (!i) return html`<p class="muted">Run to load MNIST (60,000 + 10,000 digits, about 11 MB) from this site.</p>${this.renderLoading()}`;
    const max = Math.max(...i.trainPerClass);
    return html`<div class="grid2">
      <table data-testid="mnist-class-counts">
        <tr><th>digit</th><th>train</th><th></th><th>test</th></tr>
        ${i.trainPerClass.map((n, c) => html`<tr><td>${c}</td><td>${fmtInt(n)}</td><td><span class="bar" style="width:${(80 * n) / max}px"></span></td><td>${fmtInt(i.testPerClass[c])}</td></tr>`)}
        <tr><th>all</th><th data-testid="mnist-train-count">${fmtInt(i.trainCount)}</th><th></th><th data-testid="mnist-test-count">${fmtInt(i.testCount)}</th></tr>
      </table>
      ${this.samples ? html`<div><div class="muted">the first 8 training images of each digit</div><digit-grid .images=${this.samples.images} columns="8" scale="2"></digit-grid></div>` : null}
    </div>
    <p class="muted">Loaded and checked (SHA-256) in ${fmtSeconds(i.loadMs / 1000)}; kept on the GPU as uint8 (${fmtBytes((i.trainCount + i.testCount) * 784)}).</p>`;
  }

  private renderLoaders(errors: Record<string, string>) {
    const c = this.config;
    const n = Math.min(this.info?.trainCount ?? 60000, c.trainLimit ?? Infinity);
    const t = Math.min(this.info?.testCount ?? 10000, c.testLimit ?? Infinity);
    const b = c.config?.batch;
    return html`<div class="form">
        ${this.field('batch', 'batch size', errors)} ${this.field('seed', 'shuffle seed', errors)}
        ${this.field('trainLimit', 'train on the first … (empty: all)', errors)} ${this.field('testLimit', 'test on the first … (empty: all)', errors)}
      </div>
      ${b
        ? html`<p data-testid="mnist-loader-summary">Train: ${fmtInt(n)} images → ${Math.ceil(n / b)} batches of ${b}${n % b ? `, the last one ${n % b} (kept)` : ''}, reshuffled every epoch with seed ${c.config!.seed}.
            Test: ${fmtInt(t)} images → ${Math.ceil(t / b)} batches, in order.</p>`
        : null}`;
  }

  private renderModel() {
    const s = this.spec;
    return html`<textarea data-testid="mnist-spec" spellcheck="false" aria-invalid=${s.error ? 'true' : 'false'} .value=${this.specText}
        @input=${(e: Event) => { this.specText = (e.target as HTMLTextAreaElement).value; this.canContinue = false; }}></textarea>
      <div class="row"><button @click=${() => (this.specText = SPEC_TEXT)}>Default model</button>
        <span class="muted">PyTorch class names and arguments: <code>nn.Sequential(*[getattr(nn, l["type"])(**args) for l in spec])</code> builds the same model.</span></div>
      ${s.error ? html`<div class="warn" role="alert" data-testid="mnist-spec-error">${s.error}</div>` : null}
      ${s.summary ? html`<model-summary .summary=${s.summary}></model-summary>` : null}`;
  }

  private renderTrain(errors: Record<string, string>) {
    const p = this.progress;
    const pct = p ? (100 * p.step) / p.steps : 0;
    const c = this.config;
    const ready = Boolean(c.config && !this.spec.error) && !this.noGpu;
    const s = this.saved;
    return html`${this.badSaved
        ? html`<div class="warn" role="alert" data-testid="mnist-bad-checkpoint">The training run saved in this browser cannot be used
            (${this.badSaved}). <button data-testid="mnist-discard-bad" @click=${async () => { await clearRun(); this.badSaved = ''; }}>Discard it</button></div>`
        : null}
      ${s
        ? html`<div class="warn" role="status" data-testid="mnist-resume-banner">
            ${s.epoch < s.config.epochs
              ? html`A training run was interrupted after epoch ${s.epoch} of ${s.config.epochs} (checkpoint saved ${new Date(s.savedAt).toLocaleString()}).
                  <button class="primary" data-testid="mnist-resume" ?disabled=${this.training || Boolean(this.noGpu)} @click=${this.continueSaved}>Continue it</button>`
              : html`Restored the last finished run (${s.epoch} epochs, saved ${new Date(s.savedAt).toLocaleString()}).`}
            <button data-testid="mnist-discard" ?disabled=${this.training} @click=${this.discardSaved}>Discard</button>
          </div>`
        : null}
      ${this.recovered ? html`<div class="warn" role="alert" data-testid="mnist-recovered">${this.recovered}</div>` : null}
      <div class="form">
        ${this.field('epochs', 'epochs', errors)} ${this.field('lr', this.form.schedule === 'OneCycleLR' ? 'max lr' : 'lr', errors)}
        ${this.field('momentum', 'momentum', errors)} ${this.field('weightDecay', 'weight decay', errors)}
        <label>scheduler
          <select data-testid="mnist-schedule" .value=${this.form.schedule} @change=${(e: Event) => this.setForm('schedule', (e.target as HTMLSelectElement).value)}>
            <option value="OneCycleLR">OneCycleLR</option><option value="StepLR">StepLR</option><option value="constant">constant</option>
          </select><span class="err" data-testid="mnist-error-schedule">${errors.schedule ?? ''}</span></label>
        ${this.form.schedule === 'StepLR' ? html`${this.field('stepSize', 'step size (epochs)', errors)} ${this.field('gamma', 'gamma', errors)}` : null}
      </div>
      <div class="row">
        <button class="primary" data-testid="mnist-run" ?disabled=${!ready || this.training} @click=${() => this.runTrain(true)}>Run</button>
        <button data-testid="mnist-stop" ?disabled=${!this.training} @click=${this.stop}>Stop</button>
        <button data-testid="mnist-continue" ?disabled=${!ready || this.training || !this.canContinue || this.builtFor !== this.key()} @click=${() => this.runTrain(false)}>Continue</button>
        <span class="muted">SGD (momentum ${this.form.momentum}) · ${this.form.schedule} · batch ${this.form.batch}</span>
      </div>
      <div class="row">
        <button data-testid="mnist-export" ?disabled=${!this.built || this.training} @click=${this.exportWeights}>Export weights (.safetensors)</button>
        <label style="flex-direction:row;align-items:center;gap:6px">Import weights
          <input type="file" accept=".safetensors" data-testid="mnist-import" ?disabled=${this.training || Boolean(this.noGpu)} @change=${this.importWeights} /></label>
        ${this.imported
          ? html`<span data-testid="mnist-import-result" data-value=${this.imported.testAcc}>Imported ${this.imported.file}: test accuracy ${this.imported.testAcc.toFixed(2)}%, loss ${fmt(this.imported.testLoss, 4)}; Continue trains it further.</span>`
          : null}
      </div>
      ${this.weightsError ? html`<div class="warn" role="alert" data-testid="mnist-weights-error">${this.weightsError}</div>` : null}
      ${this.info?.fallback
        ? html`<div class="warn" data-testid="mnist-fallback">This browser gave WebGPU a software adapter (${this.info.adapter}): training is correct but runs on the CPU,
            far slower than on a GPU. A link with <code>?section=mnist&amp;trainLimit=2048&amp;testLimit=1000&amp;epochs=2</code> makes a short run.</div>`
        : null}
      ${this.renderLoading()}
      ${!ready && !this.noGpu ? html`<div class="warn" data-testid="mnist-invalid">Fix the marked fields (here and in cells 1, 3 and 4) to run.</div>` : null}
      <progress data-testid="mnist-progress" data-value=${pct.toFixed(1)} max="100" value=${pct}></progress>
      <div class="row" data-testid="mnist-progress-text">
        ${p
          ? html`epoch ${p.epoch}/${this.config.config?.epochs ?? '?'} · batch ${p.step}/${p.steps} · loss ${fmt(p.loss, 4)} · accuracy ${fmt(p.acc, 4)}% ·
              ${fmtInt(p.imagesPerSec)} images/s · ETA ${fmtSeconds(p.etaSec)}`
          : html`<span class="muted">not started</span>`}
      </div>
      <div class="row muted">
        <span>GPU buffers: <span data-testid="mnist-live-bytes" data-value=${this.liveBytes}>${fmtBytes(this.liveBytes)}</span></span>
        ${this.built ? html`<span>pipelines compiled in ${fmtSeconds(this.built.warmUpMs / 1000)}</span>` : null}
        ${this.firstLoss !== null ? html`<span>first batch loss <span data-testid="mnist-first-loss" data-value=${this.firstLoss}>${fmt(this.firstLoss, 6)}</span></span>` : null}
        ${this.info ? html`<span>${this.info.adapter}</span>` : null}
      </div>
      ${this.epochs.length
        ? html`<table data-testid="mnist-epoch-log">
            <tr><th>epoch</th><th>train loss</th><th>train acc</th><th>test loss</th><th>test acc</th><th>lr</th><th>seconds</th><th>images/s</th></tr>
            ${this.epochs.map((e, i) => html`<tr data-testid="mnist-epoch-row" data-live-bytes=${this.epochBytes[i] ?? ''}><td>${e.epoch}</td><td>${fmt(e.trainLoss, 4)}</td><td>${e.trainAcc.toFixed(2)}%</td><td>${fmt(e.testLoss, 4)}</td>
              <td data-testid="mnist-test-acc-${e.epoch}" data-value=${e.testAcc}>${e.testAcc.toFixed(2)}%</td><td>${fmt(e.lr, 3)}</td><td>${e.seconds.toFixed(1)}</td><td>${fmtInt(e.imagesPerSec)}</td></tr>`)}
          </table>`
        : null}`;
  }

  private renderPlots() {
    const e = this.epochs;
    const test = (f: (l: EpochLog) => number, label: string): Series[] => [{ label, points: e.map((l) => ({ x: l.epoch, y: f(l) })) }];
    return html`<div class="charts">
      <line-chart data-testid="mnist-chart-train-loss" heading="Training loss" x-label="epoch" .series=${[{ label: 'train loss', points: this.trainPoints }]}></line-chart>
      <line-chart data-testid="mnist-chart-train-acc" heading="Training accuracy (%)" x-label="epoch" .series=${[{ label: 'train accuracy', points: this.trainAccPoints }]}></line-chart>
      <line-chart data-testid="mnist-chart-test-loss" heading="Test loss" x-label="epoch" .series=${test((l) => l.testLoss, 'test loss')}></line-chart>
      <line-chart data-testid="mnist-chart-test-acc" heading="Test accuracy (%)" x-label="epoch" .series=${test((l) => l.testAcc, 'test accuracy')}></line-chart>
    </div>`;
  }

  private renderInspect() {
    const i = this.inspection;
    const best = this.probs ? this.probs.indexOf(Math.max(...this.probs)) : -1;
    return html`${i
        ? html`<mnist-inspection .inspection=${i}></mnist-inspection>`
        : html`<p class="muted">Run after training to see what the model gets wrong.</p>`}
      <div class="grid2" style="margin-top:12px">
        <draw-pad @digit=${(e: CustomEvent<Float32Array | null>) => this.predict(e.detail)}></draw-pad>
        <div>
          <div class="muted">Draw a digit: the model's probabilities</div>
          <table data-testid="mnist-probs">
            ${(this.probs ?? new Array(10).fill(0)).map((p, c) => html`<tr style=${c === best ? 'font-weight:700' : ''}><td>${c}</td>
              <td><span class="bar" style="width:${160 * p}px"></span></td><td>${this.probs ? `${(100 * p).toFixed(1)}%` : ''}</td></tr>`)}
          </table>
        </div>
      </div>`;
  }

  override render() {
    const { errors } = this.config;
    const st = (c: Cell) => this.status[c] ?? 'idle';
    const msg = (c: Cell) => this.messages[c] ?? '';
    return html`
      ${this.noGpu
        ? html`<div class="nogpu" role="alert" data-testid="mnist-nogpu"><b>MNIST training needs WebGPU, which this browser does not offer.</b><br />${this.noGpu}<br />
            The “Backprop by hand” section still works: it runs on its CPU reference.</div>`
        : null}
      <nb-cell index="1" heading="Transforms" status=${st('transforms')} message=${msg('transforms')} ?run-disabled=${Boolean(this.noGpu)} @run=${this.runTransforms}>${this.renderTransforms(errors)}</nb-cell>
      <nb-cell index="2" heading="Dataset" status=${st('dataset')} message=${msg('dataset')} ?run-disabled=${Boolean(this.noGpu)} @run=${this.runDataset}>${this.renderDataset()}</nb-cell>
      <nb-cell index="3" heading="Data loaders" status=${st('loaders')} message=${msg('loaders')} ?run-disabled=${Boolean(this.noGpu)} @run=${this.runLoaders}>${this.renderLoaders(errors)}</nb-cell>
      <nb-cell index="4" heading="Model" status=${st('model')} message=${msg('model')} @run=${this.runModel}>${this.renderModel()}</nb-cell>
      <nb-cell index="5" heading="Train / test" status=${st('train')} message=${msg('train')} no-run>${this.renderTrain(errors)}</nb-cell>
      <nb-cell index="6" heading="Plots" status=${st('plots')} message=${msg('plots')} no-run>${this.renderPlots()}</nb-cell>
      <nb-cell index="7" heading="Look inside" status=${st('inspect')} message=${msg('inspect')} ?run-disabled=${!this.built || this.training} @run=${this.runInspect}>${this.renderInspect()}</nb-cell>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-section': MnistSection;
  }
}
