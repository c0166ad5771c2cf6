// "Backprop by hand": the 2-2-2 sigmoid network of the ERA sheet, stepped through and trained,
// computed by the engine's kernels on this page's GPU (or the float64 reference without one).
// This element lays out the cells; the form is parsed by toy-form.ts, the work is done by the
// ToySession controller, and what the cells show is derived in willUpdate.
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { Series } from '../ui/line-chart';
import type { PathId } from './toy-diagram';
import './toy-engine-panel';
import { formFromQuery, parseToyForm, toFields, type ToyForm, type ToyFormInput } from './toy-form';
import './toy-forward';
import './toy-lr-cell';
import { diagnoseRun } from './toy-math';
import './toy-partials';
import { CELLS, ToySession } from './toy-session';
import { cancelQueuedCells, FAILED, queueCells, STOPPED } from '../ui/cell-queue';
import './toy-setup-cell';
import './toy-table-cell';
import './toy-train-cell';
import './toy-update';
import { ERA_PRESET, type ToyState } from './toy';

/** Points on the E_total chart at most, however long it plays. */
const CHART_POINTS = 2000;
/** While playing, what costs most in a frame follows at most this often (ms): the formula cells (KaTeX), the chart and the table. */
const EVERY = { formulas: 400, chart: 150 };
/** The cells Run all reaches: the network's (computed together), then the comparison. */
const RUN_ALL = [...CELLS, 'lr'];

@customElement('toy-section')
export class ToySection extends LitElement {
  @property({ type: Boolean }) active = true;
  @state() private input: ToyFormInput = { fields: toFields(ERA_PRESET), biases: false, learnBiases: false };
  @state() private highlight: Set<PathId> = new Set();
  private session = new ToySession(this);

  // Derived in willUpdate.
  private form: ToyForm = parseToyForm(this.input);
  private cur: ToyState | null = null;
  /** What the formula cells show: `cur`, or while playing, `cur` as of at most FORMULA_EVERY ms ago. */
  private formulaState: ToyState | null = null;
  private formulaAt = 0;
  /** The history and iteration the chart and the table show (they follow `cur` every EVERY.chart ms while playing). */
  private chartFor = { history: null as ToyState[] | null, iteration: 0 };
  private chartAt = 0;
  private ref: ToyState | null = null;
  private problem: string | null = null;
  private lossSeries: Series[] = [];
  private seen = { history: null as ToyState[] | null, iteration: -1 };

  static override styles = css`
    :host { display: block; --cell-bg: var(--surface); --line: var(--border-2); color: var(--fg); }
    .layout { display: grid; grid-template-columns: minmax(0, 1fr) minmax(320px, 40%); gap: 16px; align-items: start; }
    .side { position: sticky; top: 12px; background: var(--surface); border: 1px solid var(--border-2); border-radius: 10px; padding: 10px; }
    @media (max-width: 1000px) {
      .layout { grid-template-columns: minmax(0, 1fr); }
      .side { position: static; order: -1; }
    }
    /* A phone: the diagram stays in view above the factors that light its paths, the panel's text scrolls inside it. */
    @media (max-width: 480px) {
      .side { position: sticky; top: 0; z-index: 2; box-sizing: border-box; max-height: 36vh; overflow-y: auto; padding: 4px 6px; box-shadow: 0 2px 6px rgb(15 23 42 / 20%); }
    }
  `;

  override connectedCallback() {
    super.connectedCallback();
    this.input = formFromQuery(location.search, this.input);
  }

  protected override willUpdate(changed: PropertyValues) {
    if (changed.has('input')) {
      this.form = parseToyForm(this.input);
      this.session.load(this.form.setup);
    }
    const s = this.session;
    if (s.history !== this.seen.history || s.iteration !== this.seen.iteration) {
      const k = Math.min(s.iteration, s.history.length - 1);
      this.cur = k >= 0 ? s.history[k] : null;
      this.ref = k >= 0 ? (s.reference[k] ?? null) : null;
      // The last few iterations tell a saturation; a NaN among them is reported from where it started.
      const recent = s.history.slice(Math.max(0, k - 10), k + 1);
      const nan = recent.some((x) => !Number.isFinite(x.E_total));
      this.problem = this.cur ? diagnoseRun(nan ? s.history.slice(0, k + 1) : recent) : null;
      this.seen = { history: s.history, iteration: s.iteration };
    }
    // While playing, the costly parts of a frame follow less often; when it stops they catch up.
    const now = performance.now();
    const due = (at: number, ms: number) => !s.playing || now - at >= ms;
    if (this.formulaState !== this.cur && due(this.formulaAt, EVERY.formulas)) {
      this.formulaState = this.cur;
      this.formulaAt = now;
    }
    if ((this.chartFor.history !== s.history || this.chartFor.iteration !== s.iteration) && due(this.chartAt, EVERY.chart)) {
      const k = Math.min(s.iteration, s.history.length - 1);
      const every = Math.max(1, Math.ceil((k + 1) / CHART_POINTS));
      const points: { x: number; y: number }[] = [];
      for (let i = 0; i <= k; i += every) points.push({ x: i, y: s.history[i].E_total });
      if (k >= 0 && k % every !== 0) points.push({ x: k, y: s.history[k].E_total });
      this.lossSeries = k >= 0 ? [{ label: 'E_total', points }] : [];
      this.chartFor = { history: s.history, iteration: s.iteration };
      this.chartAt = now;
    }
  }

  private chainStopped = false;

  /**
   * Run every cell: the network (and its first steps), then the learning-rate comparison, each
   * queued until reached, as the MNIST section's Run all does (ui/cell-queue.ts).
   */
  async runAll(): Promise<void> {
    const s = this.session;
    this.chainStopped = false;
    Object.assign(s, queueCells(s, RUN_ALL));
    s.changed();
    try {
      await s.compute();
      if (this.form.setup && !this.chainStopped && s.status.net === 'done') await s.sweep.run();
    } finally {
      Object.assign(s, cancelQueuedCells(s, RUN_ALL, this.chainStopped ? STOPPED : FAILED) ?? {});
      s.changed();
    }
  }

  /** Stop: the queued cells are cancelled, saying so, and a comparison under way ends where it is. */
  stopAll(): void {
    const s = this.session;
    this.chainStopped = true;
    Object.assign(s, cancelQueuedCells(s, RUN_ALL, STOPPED) ?? {});
    if (s.status.lr === 'running') s.sweep.stop();
    s.changed();
  }

  private onForm(e: CustomEvent<ToyFormInput>) {
    this.input = e.detail;
  }

  override render() {
    const s = this.session;
    const setup = this.form.setup;
    const st = (c: string) => s.status[c] ?? 'idle';
    const waiting = setup ? 'Computing…' : 'Fix the marked fields in cell 1 to run the network.';
    const compute = () => s.compute();
    return html`<div class="layout">
      <div class="cells">
        <toy-setup-cell .input=${this.input} .form=${this.form} status=${st('net')} @form-change=${this.onForm} @run=${compute}></toy-setup-cell>
        <toy-forward .state=${this.formulaState} .setup=${setup} status=${st('fwd')} waiting=${waiting} @run=${compute}></toy-forward>
        <toy-partials .state=${this.formulaState} .setup=${setup} status=${st('bwd')} waiting=${waiting} @run=${compute}
          @highlight=${(e: CustomEvent<Set<PathId>>) => (this.highlight = e.detail)}></toy-partials>
        <toy-update .state=${this.formulaState} .setup=${setup} status=${st('upd')} waiting=${waiting} @run=${compute}></toy-update>
        <toy-train-cell .session=${s} ?ready=${Boolean(setup && this.cur)} iteration=${s.iteration} .eTotal=${this.cur?.E_total ?? NaN}
          ?playing=${s.playing} speed=${s.speed} ahead=${Math.max(0, s.ahead)} .problem=${this.problem} .series=${this.lossSeries}
          status=${st('train')}></toy-train-cell>
        <toy-lr-cell .runner=${s.sweep} .sweep=${s.sweep.state} .text=${s.sweep.text} ?stale=${s.sweep.stale} ?ready=${Boolean(setup)} status=${st('lr')}
          message=${s.messages.lr ?? ''}></toy-lr-cell>
        <toy-table-cell .history=${this.chartFor.history ?? []} .setup=${setup} iteration=${this.chartFor.iteration} status=${st('table')}
          precision=${s.engine === 'cpu' ? 'float64' : 'float32'}></toy-table-cell>
      </div>
      <aside class="side" aria-label="Network diagram and engine" tabindex="0">
        <toy-engine-panel .state=${this.cur} .reference=${this.ref} .setup=${setup} .highlight=${this.highlight} engine=${s.engine ?? ''}
          note=${s.engineNote} agreement=${s.comparison.upTo(s.iteration)} .limitedFrom=${s.comparison.limitedFrom} live=${s.live}
          .lastRun=${s.lastRun}></toy-engine-panel>
      </aside>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-section': ToySection;
  }
}
