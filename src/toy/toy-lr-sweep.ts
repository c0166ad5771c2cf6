// The learning-rate comparison (cell 6): the same network trained with several learning rates,
// 1,000 iterations each, in parts so that it can show its progress, on the session's GPU.
import type { Series } from '../ui/line-chart';
import { parseLrList } from './toy-form';
import { diagnoseRun } from './toy-math';
import type { ToySession } from './toy-session';
import { iterationsBelow, type ToyState } from './toy';

export const LR_ITERATIONS = 1000;
const LR_CHUNK = 250;
export const DEFAULT_LRS = '0.1, 0.2, 0.5, 0.8, 1.0, 2.0';
/** Rates large enough for the ERA sheet's network to overshoot (E_total rises after a step), beside one that does not. */
export const OVERSHOOT_LRS = '0.5, 100, 200, 500';

/**
 * Where E_total first rises by more than float32 noise: the step overshot the minimum. E_total of
 * a sigmoid network is bounded (outputs in (0, 1)), so a too-large η shows as E jumping up, not
 * as E running off to infinity.
 */
export function overshootNote(h: ToyState[]): string | null {
  const k = h.findIndex((s, i) => i > 0 && s.E_total > 1e-6 && s.E_total > 1.001 * h[i - 1].E_total);
  if (k < 0) return null;
  return `The step overshot: E_total rose at iteration ${k}, from ${h[k - 1].E_total.toPrecision(4)} to ${h[k].E_total.toPrecision(4)}. E_total of this sigmoid network is bounded (every output lies in (0, 1)), so a too-large η does not run off to infinity: E jumps about until a step happens to land near the minimum, or the sigmoids saturate and it sticks.`;
}

export interface LrRow {
  lr: number;
  e1: number;
  e67: number;
  to3: number | null;
  to4: number | null;
  note: string | null;
}

export interface LrSweep {
  rows: LrRow[];
  series: Series[];
  /** Runs × chunks done, out of `total` (0 when nothing ran). */
  done: number;
  /** Learning rates (runs) in the sweep. */
  runs: number;
  total: number;
  running: boolean;
  error: string;
  /** The learning rates the table shows, as typed; '' when there is no table. */
  shownFor: string;
}

const emptySweep = (): LrSweep => ({ rows: [], series: [], done: 0, runs: 0, total: 0, running: false, error: '', shownFor: '' });

export class LrSweepRunner {
  state: LrSweep = emptySweep();
  text = DEFAULT_LRS;
  private gen = 0;

  constructor(private session: ToySession) {}

  /** Drop the table and stop a sweep in progress (the network changed). */
  cancel(): void {
    this.gen++;
    this.state = emptySweep();
  }

  /** Stop a sweep in progress (Run all's Stop): the rows done so far stay, the cell says it stopped. */
  stop(): void {
    if (!this.state.running) return;
    this.gen++;
    this.state = { ...this.state, running: false };
    this.session.setStatus(['lr'], 'idle');
    this.session.messages = { ...this.session.messages, lr: `Stopped after ${this.state.rows.length} of ${this.state.runs} learning rates.` };
    this.session.changed();
  }

  /** The comparison cell's list, as typed; a table for another list is marked stale. */
  setText(text: string): void {
    this.text = text;
    this.session.changed();
  }

  get stale(): boolean {
    return this.state.shownFor !== '' && this.state.shownFor !== this.text;
  }

  async run(text = this.text): Promise<void> {
    const setup = this.session.setup;
    if (!setup) return;
    const gen = ++this.gen;
    const parsed = parseLrList(text);
    if ('error' in parsed) {
      // A table for another list would read as the answer to this one: drop it.
      this.state = { ...emptySweep(), error: parsed.error };
      this.session.setStatus(['lr'], 'error');
      this.session.live = parsed.error;
      return this.session.changed();
    }
    const { lrs } = parsed;
    const chunks = LR_ITERATIONS / LR_CHUNK;
    this.state = { ...emptySweep(), running: true, runs: lrs.length, total: lrs.length * chunks, shownFor: text };
    this.session.setStatus(['lr'], 'running');
    this.session.messages = { ...this.session.messages, lr: '' };
    this.session.changed();
    try {
      for (const lr of lrs) {
        let h: ToyState[] = [];
        for (let c = 0; c < chunks; c++) {
          const last = h[h.length - 1];
          const from = last ? { ...setup, lr, w: last.w, b1: last.b1, b2: last.b2 } : { ...setup, lr };
          const more = await this.session.simulate(from, LR_CHUNK);
          if (gen !== this.gen) return;
          h = last ? [...h, ...more.slice(1).map((s) => ({ ...s, iteration: h.length - 1 + s.iteration }))] : more;
          this.state = { ...this.state, done: this.state.done + 1 };
          this.session.live = `Learning rates: η = ${lr}, ${this.state.done} of ${this.state.total} parts done.`;
          this.session.changed();
          if (!Number.isFinite(h[h.length - 1].E_total)) {
            this.state = { ...this.state, done: this.state.done + chunks - 1 - c };
            break;
          }
        }
        const row = {
          lr,
          e1: h[1].E_total,
          e67: h[Math.min(67, h.length - 1)].E_total,
          to3: iterationsBelow(h, 1e-3),
          to4: iterationsBelow(h, 1e-4),
          note: diagnoseRun(h) ?? overshootNote(h),
        };
        const points = h.filter((s) => s.E_total > 0 && Number.isFinite(s.E_total)).map((s) => ({ x: s.iteration, y: s.E_total }));
        this.state = { ...this.state, rows: [...this.state.rows, row], series: [...this.state.series, { label: `η = ${lr}`, points }] };
        this.session.changed();
      }
      this.state = { ...this.state, running: false };
      this.session.setStatus(['lr'], 'done');
      this.session.live = `Learning rates compared: ${lrs.length} runs of ${LR_ITERATIONS} iterations.`;
    } catch (e) {
      if (gen !== this.gen) return;
      this.state = { ...this.state, running: false, error: (e as Error).message };
      this.session.setStatus(['lr'], 'error');
    }
    this.session.changed();
  }
}
