// "Backprop by hand": the 2-2-2 sigmoid network of the ERA sheet, stepped through and trained,
// computed by the engine's kernels on this page's GPU (or the float64 reference without one).
import { LitElement, css, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import '../ui/line-chart';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { fmt } from '../ui/format';
import { pageGpu } from '../app/page-gpu';
import type { Series } from '../ui/line-chart';
import './toy-cells';
import { num } from './toy-cells';
import './toy-diagram';
import type { PathId } from './toy-diagram';
import { diagnoseRun } from './toy-math';
import { ERA_PRESET, iterationsBelow, MAZUR_PRESET, ToyGpu, toyReference, type ToySetup, type ToyState } from './toy';

const FIELDS = ['i1', 'i2', 't1', 't2', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'b1', 'b2', 'lr'] as const;
type Field = (typeof FIELDS)[number];
const BLOCK = 250;
const DEFAULT_LRS = '0.1, 0.2, 0.5, 0.8, 1.0, 2.0';
const LR_ITERATIONS = 1000;

function toFields(s: ToySetup): Record<Field, string> {
  const f = { i1: s.i1, i2: s.i2, t1: s.t1, t2: s.t2, b1: s.b1, b2: s.b2, lr: s.lr } as Record<Field, number>;
  s.w.forEach((w, k) => (f[`w${k + 1}` as Field] = w));
  return Object.fromEntries(FIELDS.map((k) => [k, String(f[k])])) as Record<Field, string>;
}

/** A strict number: empty, "1e", "0x10" or "abc" are errors with a message. */
function parseField(k: Field, raw: string): { value?: number; error?: string } {
  const t = raw.trim();
  if (t === '') return { error: 'required' };
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return { error: 'not a number' };
  const v = Number(t);
  if (!Number.isFinite(v)) return { error: 'too large' };
  if (k === 'lr' && v <= 0) return { error: 'η must be > 0' };
  return { value: v };
}

export interface LrRow {
  lr: number;
  e1: number;
  e67: number;
  to3: number | null;
  to4: number | null;
  note: string | null;
}

@customElement('toy-section')
export class ToySection extends LitElement {
  @state() private fields: Record<Field, string> = toFields(ERA_PRESET);
  @state() private biases = false;
  @state() private learnBiases = false;
  @state() private history: ToyState[] = [];
  @state() private reference: ToyState[] = [];
  @state() private iteration = 0;
  @state() private engine: 'gpu' | 'cpu' | null = null;
  @state() private engineNote = '';
  @state() private highlight: Set<PathId> = new Set();
  @state() private status: Record<string, CellStatus> = {};
  @state() private playing = false;
  @state() private speed = 20;
  @state() private lrText = DEFAULT_LRS;
  @state() private lrRows: LrRow[] = [];
  @state() private lrSeries: Series[] = [];
  @state() private lrError = '';
  @state() private copied = '';
  @state() private computeMs = 0;
  @property({ type: Boolean }) active = true;
  private gpu: ToyGpu | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  static override styles = css`
    :host { display: block; }
    .layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(320px, 40%); gap: 16px; align-items: start; }
    .side { position: sticky; top: 12px; background: #fff; border: 1px solid #e2e8f0; border-radius: 10px; padding: 10px; }
    @media (max-width: 1000px) { .layout { grid-template-columns: 1fr; } .side { position: static; order: -1; } }
    .form { display: grid; grid-template-columns: repeat(auto-fill, minmax(112px, 1fr)); gap: 8px 12px; }
    label { display: flex; flex-direction: column; font-size: 12px; color: #475569; gap: 2px; }
    input[type='text'] { font: 13px ui-monospace, monospace; padding: 4px 6px; border: 1px solid #cbd5e1; border-radius: 5px; width: 100%; box-sizing: border-box; }
    input[aria-invalid='true'] { border-color: #dc2626; background: #fef2f2; }
    .err { color: #b91c1c; font-size: 11px; min-height: 13px; }
    .row { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 10px 0; font-size: 13px; }
    button { font: inherit; font-size: 13px; padding: 4px 10px; border-radius: 6px; border: 1px solid #cbd5e1; background: #fff; cursor: pointer; }
    button:hover:not(:disabled) { background: #f1f5f9; }
    button:disabled { color: #94a3b8; cursor: not-allowed; }
    .engine { font-size: 12px; color: #334155; margin: 4px 0 0; }
    .engine b { color: #166534; }
    .engine.cpu b { color: #92400e; }
    .warn { background: #fff7ed; border: 1px solid #fed7aa; color: #9a3412; padding: 8px 10px; border-radius: 6px; font-size: 13px; margin: 8px 0; }
    .num { font-family: ui-monospace, SFMono-Regular, monospace; font-size: 13px; }
    table { border-collapse: collapse; width: 100%; font-size: 13px; }
    td, th { padding: 4px 8px; border-bottom: 1px solid #f1f5f9; text-align: right; }
    th { color: #475569; font-weight: 600; font-size: 12px; }
    td:first-child, th:first-child { text-align: left; }
    .muted { color: #64748b; font-size: 12px; }
  `;

  private get parsed(): { setup: ToySetup | null; errors: Partial<Record<Field, string>> } {
    const errors: Partial<Record<Field, string>> = {};
    const v = {} as Record<Field, number>;
    for (const k of FIELDS) {
      if ((k === 'b1' || k === 'b2') && !this.biases) continue;
      const r = parseField(k, this.fields[k]);
      if (r.error) errors[k] = r.error;
      else v[k] = r.value!;
    }
    if (Object.keys(errors).length) return { setup: null, errors };
    return {
      setup: {
        i1: v.i1, i2: v.i2, t1: v.t1, t2: v.t2, lr: v.lr,
        w: [v.w1, v.w2, v.w3, v.w4, v.w5, v.w6, v.w7, v.w8],
        biases: this.biases, learnBiases: this.biases && this.learnBiases,
        b1: this.biases ? v.b1 : 0, b2: this.biases ? v.b2 : 0,
      },
      errors,
    };
  }

  override connectedCallback() {
    super.connectedCallback();
    const q = new URLSearchParams(location.search);
    const f = { ...this.fields };
    for (const k of FIELDS) {
      const v = q.get(k);
      if (v !== null) f[k] = v;
    }
    if (q.has('b1') || q.has('b2')) this.biases = true;
    if (q.get('learnBiases') === '1') this.learnBiases = true;
    this.fields = f;
  }

  /** Run every cell: the network (and its first steps) and the learning-rate comparison. */
  async runAll(): Promise<void> {
    await this.compute();
    if (this.parsed.setup) await this.runLrs();
  }

  private setStatus(cells: string[], s: CellStatus) {
    this.status = { ...this.status, ...Object.fromEntries(cells.map((c) => [c, s])) };
  }

  /** Serialise GPU work: one ToyGpu, one run at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async engineFor(s: ToySetup): Promise<ToyGpu | null> {
    const g = await pageGpu();
    if (!g.rt) {
      this.engine = 'cpu';
      this.engineNote = g.error;
      return null;
    }
    this.engine = 'gpu';
    this.engineNote = g.rt.info.adapter;
    // A new device (after a lost one) or another network shape needs a new ToyGpu.
    if (!this.gpu || this.gpu.rt !== g.rt || this.gpu.biases !== s.biases || this.gpu.learnBiases !== s.learnBiases) {
      if (this.gpu?.rt === g.rt) this.gpu.destroy();
      this.gpu = new ToyGpu(g.rt, s.biases, s.learnBiases);
    }
    return this.gpu;
  }

  /** History of `n` iterations from setup `s`, on the GPU when there is one. */
  private simulate(s: ToySetup, n: number): Promise<ToyState[]> {
    return this.exclusive(async () => {
      const g = await this.engineFor(s);
      return g ? g.run(s, n) : toyReference(s, n);
    });
  }

  /** (Re)compute from the setup: iteration 0 onward. */
  async compute(): Promise<void> {
    const { setup } = this.parsed;
    const cells = ['net', 'fwd', 'bwd', 'upd', 'train'];
    if (!setup) {
      this.setStatus(cells, 'error');
      return;
    }
    this.setStatus(cells, 'running');
    this.playing = false;
    try {
      const t0 = performance.now();
      const h = await this.simulate(setup, BLOCK);
      this.computeMs = performance.now() - t0;
      this.history = h;
      this.reference = toyReference(setup, BLOCK);
      this.iteration = 0;
      this.setStatus(cells, 'done');
    } catch (e) {
      this.engineNote = `error: ${(e as Error).message}`;
      this.setStatus(cells, 'error');
    }
  }

  /** Make sure iteration k is computed (extends the history from its last state). */
  private async ensure(k: number): Promise<void> {
    const { setup } = this.parsed;
    while (setup && k >= this.history.length) {
      const last = this.history[this.history.length - 1];
      const from: ToySetup = { ...setup, w: last.w, b1: last.b1, b2: last.b2 };
      const more = await this.simulate(from, BLOCK);
      const ref = toyReference({ ...setup, w: this.reference[this.reference.length - 1].w, b1: this.reference[this.reference.length - 1].b1, b2: this.reference[this.reference.length - 1].b2 }, BLOCK);
      const base = this.history.length - 1;
      this.history = [...this.history, ...more.slice(1).map((s) => ({ ...s, iteration: base + s.iteration }))];
      this.reference = [...this.reference, ...ref.slice(1).map((s) => ({ ...s, iteration: base + s.iteration }))];
    }
  }

  private async step(n = 1) {
    if (!this.history.length) await this.compute();
    if (!this.history.length) return;
    await this.ensure(this.iteration + n);
    this.iteration += n;
  }

  private reset() {
    this.playing = false;
    this.iteration = 0;
  }

  private async play() {
    if (this.playing) return;
    if (!this.history.length) await this.compute();
    this.playing = true;
    let last = performance.now();
    let carry = 0;
    const tick = async (now: number) => {
      if (!this.playing) return;
      carry += ((now - last) / 1000) * this.speed;
      last = now;
      const n = Math.floor(carry);
      if (n > 0) {
        carry -= n;
        await this.step(n);
        const cur = this.history[this.iteration];
        if (!cur || !Number.isFinite(cur.E_total)) this.playing = false;
      }
      if (this.playing) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  private async runLrs() {
    const { setup } = this.parsed;
    if (!setup) return;
    const lrs = this.lrText.split(/[,\s]+/).filter(Boolean).map(Number);
    if (!lrs.length || lrs.some((v) => !Number.isFinite(v) || v <= 0)) {
      this.lrError = 'Give a list of learning rates > 0, separated by commas.';
      this.setStatus(['lr'], 'error');
      return;
    }
    if (lrs.length > 12) {
      this.lrError = 'At most 12 learning rates at once.';
      this.setStatus(['lr'], 'error');
      return;
    }
    this.lrError = '';
    this.setStatus(['lr'], 'running');
    const rows: LrRow[] = [];
    const series: Series[] = [];
    try {
      for (const lr of lrs) {
        const h = await this.simulate({ ...setup, lr }, LR_ITERATIONS);
        rows.push({ lr, e1: h[1].E_total, e67: h[Math.min(67, h.length - 1)].E_total, to3: iterationsBelow(h, 1e-3), to4: iterationsBelow(h, 1e-4), note: diagnoseRun(h) });
        series.push({ label: `η = ${lr}`, points: h.filter((s) => s.E_total > 0 && Number.isFinite(s.E_total)).map((s) => ({ x: s.iteration, y: s.E_total })) });
        this.lrRows = [...rows];
        this.lrSeries = [...series];
      }
      this.setStatus(['lr'], 'done');
    } catch (e) {
      this.lrError = (e as Error).message;
      this.setStatus(['lr'], 'error');
    }
  }

  private edit(k: Field, v: string) {
    this.fields = { ...this.fields, [k]: v };
    this.invalidate();
  }

  private invalidate() {
    this.playing = false;
    this.history = [];
    this.reference = [];
    this.iteration = 0;
    this.lrRows = [];
    this.lrSeries = [];
    this.status = {};
    if (this.parsed.setup) void this.compute();
  }

  private preset(s: ToySetup) {
    this.fields = toFields(s);
    this.biases = s.biases;
    this.learnBiases = s.learnBiases;
    this.invalidate();
  }

  private shareUrl(): string {
    const q = new URLSearchParams({ section: 'toy' });
    for (const k of FIELDS) if ((k !== 'b1' && k !== 'b2') || this.biases) q.set(k, this.fields[k].trim());
    if (this.biases && this.learnBiases) q.set('learnBiases', '1');
    return `${location.origin}${location.pathname}?${q}`;
  }

  private async copyLink() {
    const url = this.shareUrl();
    try {
      await navigator.clipboard.writeText(url);
      this.copied = 'Link copied.';
    } catch {
      this.copied = url;
    }
  }

  override firstUpdated() {
    if (this.parsed.setup) void this.compute();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.playing = false;
    this.gpu?.destroy();
    this.gpu = null;
  }

  private maxDiff(): number {
    let m = 0;
    const n = Math.min(this.history.length, this.reference.length, this.iteration + 1);
    for (let k = 0; k < n; k++) {
      const a = this.history[k];
      const b = this.reference[k];
      const pairs: [number, number][] = [[a.E_total, b.E_total], [a.a_o1, b.a_o1], [a.a_o2, b.a_o2], [a.a_h1, b.a_h1], [a.a_h2, b.a_h2], ...a.dw.map((v, i): [number, number] => [v, b.dw[i]]), ...a.w.map((v, i): [number, number] => [v, b.w[i]])];
      for (const [x, y] of pairs) if (y !== 0 && Number.isFinite(x) && Number.isFinite(y)) m = Math.max(m, Math.abs(x - y) / Math.abs(y));
    }
    return m;
  }

  private renderForm() {
    const { errors } = this.parsed;
    const field = (k: Field, label: string) => html`<label
      >${label}
      <input type="text" inputmode="decimal" data-testid="toy-input-${k}" .value=${this.fields[k]} aria-invalid=${errors[k] ? 'true' : 'false'}
        @change=${(e: Event) => this.edit(k, (e.target as HTMLInputElement).value)} />
      <span class="err" data-testid="toy-error-${k}">${errors[k] ?? ''}</span></label
    >`;
    return html`
      <div class="row">
        Presets: <button data-testid="toy-preset-era" @click=${() => this.preset(ERA_PRESET)}>ERA sheet</button>
        <button data-testid="toy-preset-mazur" @click=${() => this.preset(MAZUR_PRESET)}>Mazur</button>
        <button data-testid="toy-copy-link" @click=${this.copyLink}>Copy link</button>
        <span class="muted" data-testid="toy-copied">${this.copied}</span>
      </div>
      <div class="form">
        ${field('i1', 'input i1')} ${field('i2', 'input i2')} ${field('t1', 'target t1')} ${field('t2', 'target t2')}
        ${[1, 2, 3, 4, 5, 6, 7, 8].map((k) => field(`w${k}` as Field, `w${k}`))}
        ${field('lr', 'learning rate η')}
      </div>
      <div class="row">
        <label style="flex-direction:row;gap:6px;align-items:center"
          ><input type="checkbox" data-testid="toy-biases" .checked=${this.biases} @change=${(e: Event) => { this.biases = (e.target as HTMLInputElement).checked; this.invalidate(); }} />
          biases b1 (hidden), b2 (output)</label>
        <label style="flex-direction:row;gap:6px;align-items:center"
          ><input type="checkbox" data-testid="toy-learn-biases" ?disabled=${!this.biases} .checked=${this.learnBiases} @change=${(e: Event) => { this.learnBiases = (e.target as HTMLInputElement).checked; this.invalidate(); }} />
          learn the biases</label>
      </div>
      ${this.biases ? html`<div class="form">${field('b1', 'b1 (both hidden neurons)')} ${field('b2', 'b2 (both outputs)')}</div>` : null}
      ${Object.keys(errors).length ? html`<div class="warn" role="alert" data-testid="toy-invalid">Fix the marked fields; nothing runs until then.</div>` : null}
    `;
  }

  override render() {
    const { setup } = this.parsed;
    const cur = this.history[Math.min(this.iteration, this.history.length - 1)];
    const ok = Boolean(setup && cur);
    const st = (c: string) => this.status[c] ?? 'idle';
    const problem = ok ? diagnoseRun(this.history.slice(0, this.iteration + 1)) : null;
    // At most ~2,000 points on the chart, however long it plays.
    const every = Math.max(1, Math.ceil((this.iteration + 1) / 2000));
    const lossSeries: Series[] = ok
      ? [{ label: 'E_total', points: this.history.slice(0, this.iteration + 1).filter((_, k) => k % every === 0 || k === this.iteration).map((s) => ({ x: s.iteration, y: s.E_total })) }]
      : [];
    const waiting = html`<p class="muted">${setup ? 'Computing…' : 'Fix the marked fields in cell 1 to run the network.'}</p>`;
    return html`<div class="layout">
      <div class="cells">
        <nb-cell index="1" heading="Network and values" status=${st('net')} run-label="Run" @run=${() => this.compute()}>
          ${this.renderForm()}
          ${setup
            ? html`<p class="muted">Inputs ${num('i1', setup.i1)}, ${num('i2', setup.i2)}; targets ${num('t1', setup.t1)}, ${num('t2', setup.t2)}.</p>`
            : null}
        </nb-cell>
        <nb-cell index="2" heading="Forward pass" status=${st('fwd')} @run=${() => this.compute()} ?run-disabled=${!setup}>
          ${ok ? html`<p class="muted">Iteration ${this.iteration}.</p><toy-forward .state=${cur} .setup=${setup}></toy-forward>` : waiting}
        </nb-cell>
        <nb-cell index="3" heading="Partial derivatives (chain rule)" status=${st('bwd')} @run=${() => this.compute()} ?run-disabled=${!setup}>
          ${ok
            ? html`<p class="muted">Hover a factor to see its path on the diagram. Values at iteration ${this.iteration}; the result is the gradient the engine's backward kernels computed.</p>
                <toy-partials .state=${cur} .setup=${setup} @highlight=${(e: CustomEvent<Set<PathId>>) => (this.highlight = e.detail)}></toy-partials>`
            : waiting}
        </nb-cell>
        <nb-cell index="4" heading="Update" status=${st('upd')} @run=${() => this.compute()} ?run-disabled=${!setup}>
          ${ok ? html`<toy-update .state=${cur} .setup=${setup}></toy-update>` : waiting}
        </nb-cell>
        <nb-cell index="5" heading="Train" status=${st('train')} no-run>
          <div class="row">
            <button data-testid="toy-step" ?disabled=${!setup} @click=${() => this.step(1)}>Step</button>
            <button data-testid="toy-play" ?disabled=${!setup || this.playing} @click=${this.play}>Play</button>
            <button data-testid="toy-pause" ?disabled=${!this.playing} @click=${() => (this.playing = false)}>Pause</button>
            <button data-testid="toy-reset" ?disabled=${!setup} @click=${this.reset}>Reset</button>
            <label style="flex-direction:row;gap:6px;align-items:center">speed
              <input type="range" min="1" max="200" .value=${String(this.speed)} data-testid="toy-speed" @input=${(e: Event) => (this.speed = Number((e.target as HTMLInputElement).value))} />
              ${this.speed} it/s</label>
            <span>iteration <span class="num" data-testid="toy-iteration" data-value=${String(this.iteration)}>${this.iteration}</span></span>
          </div>
          ${problem ? html`<div class="warn" role="alert" data-testid="toy-diverged">${problem}</div>` : null}
          <line-chart heading="E_total" x-label="iteration" y-label="E_total" .series=${lossSeries} data-testid="toy-loss-chart"></line-chart>
        </nb-cell>
        <nb-cell index="6" heading="Learning rates side by side" status=${st('lr')} @run=${this.runLrs} ?run-disabled=${!setup}>
          <div class="row">
            <label style="flex:1">learning rates η (comma-separated)
              <input type="text" data-testid="toy-lr-list" .value=${this.lrText} @change=${(e: Event) => (this.lrText = (e.target as HTMLInputElement).value)} /></label>
          </div>
          ${this.lrError ? html`<div class="warn" role="alert">${this.lrError}</div>` : null}
          <line-chart heading="E_total by learning rate (log scale)" x-label="iteration" y-label="E_total" log .series=${this.lrSeries} data-testid="toy-lr-chart" style="--chart-height: 260px"></line-chart>
          ${this.lrRows.length
            ? html`<table data-testid="toy-lr-table">
                <tr><th>η</th><th>E after 1 step</th><th>E at iteration 67</th><th>iterations to E &lt; 1e-3</th><th>to E &lt; 1e-4</th></tr>
                ${this.lrRows.map(
                  (r, i) => html`<tr data-lr=${String(r.lr)}>
                    <td>${r.lr}</td>
                    <td class="num" data-testid="toy-lr-${i}-e1" data-value=${String(r.e1)}>${fmt(r.e1, 10)}</td>
                    <td class="num" data-testid="toy-lr-${i}-e67" data-value=${String(r.e67)}>${fmt(r.e67, 10)}</td>
                    <td class="num" data-testid="toy-lr-${i}-to3" data-value=${String(r.to3)}>${r.to3 ?? `> ${LR_ITERATIONS}`}</td>
                    <td class="num" data-testid="toy-lr-${i}-to4" data-value=${String(r.to4)}>${r.to4 ?? `> ${LR_ITERATIONS}`}</td>
                  </tr>${r.note ? html`<tr><td colspan="5"><div class="warn">${r.note}</div></td></tr>` : null}`,
                )}
              </table>`
            : null}
        </nb-cell>
      </div>
      <aside class="side">
        <toy-diagram .state=${cur ?? null} .setup=${setup} .highlight=${this.highlight}></toy-diagram>
        <p class="engine ${this.engine ?? ''}" data-testid="toy-engine" data-engine=${this.engine ?? ''}>
          ${this.engine === 'gpu'
            ? html`<b>GPU</b> (float32, the engine's matmul, sigmoid, ½·SSE and SGD kernels) on ${this.engineNote}.
                Largest relative difference from the float64 CPU reference so far:
                <span class="num" data-testid="toy-maxdiff" data-value=${String(this.maxDiff())}>${this.maxDiff().toExponential(2)}</span>.`
            : this.engine === 'cpu'
              ? html`<b>CPU reference (float64)</b> — no GPU: ${this.engineNote}`
              : 'Starting…'}
        </p>
        ${ok ? html`<p class="muted">Iteration ${this.iteration}: E_total = ${fmt(cur.E_total, 8)}. ${BLOCK} iterations computed in ${this.computeMs.toFixed(0)} ms.</p>` : null}
      </aside>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-section': ToySection;
  }
}
