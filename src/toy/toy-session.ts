// What the backprop section does over its life, as a Lit ReactiveController: the GPU (one ToyGpu,
// one run at a time), the history of iterations computed ahead of what is shown, Step / Play /
// Pause / Reset, the float64 comparison, and the learning-rate sweep. The host renders its fields.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { CellStatus } from '../ui/nb-cell';
import { pageGpu } from '../app/page-gpu';
import { fmt } from '../ui/format';
import { Comparison } from './toy-compare';
import { LrSweepRunner } from './toy-lr-sweep';
import { ToyGpu, toyReference, type ToySetup, type ToyState } from './toy';

/** Iterations in the first run (small: the cells show up fast) and in each later one. */
export const FIRST_CHUNK = 100;
export const CHUNK = 120;
export const CELLS = ['net', 'fwd', 'bwd', 'upd', 'train', 'table'] as const;

export class ToySession implements ReactiveController {
  setup: ToySetup | null = null;
  history: ToyState[] = [];
  reference: ToyState[] = [];
  readonly comparison = new Comparison();
  iteration = 0;
  playing = false;
  speed = 20;
  engine: 'gpu' | 'cpu' | null = null;
  engineNote = '';
  status: Record<string, CellStatus> = {};
  /** What a cell says about its last run (Run all's "Not run: …"). */
  messages: Record<string, string> = {};
  /** ms per iteration of the last GPU (or CPU) run, and how many iterations it had. */
  lastRun = { ms: 0, iterations: 0 };
  /** What changed, in words, for the section's aria-live region (not every frame's iteration). */
  live = '';
  /** The learning-rate comparison (cell 6), run on this session's GPU. */
  readonly sweep = new LrSweepRunner(this);

  private gpu: ToyGpu | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private extending: Promise<void> | null = null;
  /** Bumped whenever the setup changes: results of older runs are dropped. */
  private gen = 0;
  private raf = 0;
  private carry = 0;
  private lastFrame = 0;

  constructor(private host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected() {}

  hostDisconnected() {
    this.pause(false);
    this.gen++;
    this.sweep.cancel();
    this.gpu?.destroy();
    this.gpu = null;
  }

  changed() {
    this.host.requestUpdate();
  }

  setStatus(cells: readonly string[], s: CellStatus) {
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

  /** `n` iterations from setup `s`, on the GPU when there is one (one run at a time). */
  simulate(s: ToySetup, n: number): Promise<ToyState[]> {
    return this.exclusive(async () => {
      const g = await this.engineFor(s);
      const t0 = performance.now();
      const out = g ? await g.run(s, n) : toyReference(s, n);
      this.lastRun = { ms: performance.now() - t0, iterations: n };
      return out;
    });
  }

  /** A new setup (or null while the form has errors): everything computed so far is dropped. */
  load(setup: ToySetup | null): void {
    this.pause(false);
    this.gen++;
    this.sweep.cancel();
    this.setup = setup;
    this.history = [];
    this.reference = [];
    this.comparison.clear();
    this.iteration = 0;
    this.extending = null;
    this.status = {};
    this.messages = {};
    if (setup) void this.compute();
    else this.live = 'The network does not run until the marked fields are fixed.';
    this.changed();
  }

  /** (Re)compute from the setup: iteration 0 onward. */
  async compute(): Promise<void> {
    const setup = this.setup;
    if (!setup) {
      this.setStatus(CELLS, 'error');
      return this.changed();
    }
    this.pause(false);
    const gen = ++this.gen;
    this.history = [];
    this.reference = [];
    this.comparison.clear();
    this.iteration = 0;
    this.extending = null;
    this.setStatus(CELLS, 'running');
    this.live = 'Computing the network…';
    this.changed();
    try {
      const h = await this.simulate(setup, FIRST_CHUNK);
      if (gen !== this.gen) return;
      this.history = h;
      this.reference = toyReference(setup, FIRST_CHUNK);
      this.comparison.extend(this.history, this.reference);
      this.setStatus(CELLS, 'done');
      this.live = `Computed on the ${this.engine === 'gpu' ? 'GPU' : 'CPU reference'}: iteration 0, E_total = ${fmt(h[0].E_total, 6)}.`;
    } catch (e) {
      if (gen !== this.gen) return;
      this.engineNote = `error: ${(e as Error).message}`;
      this.setStatus(CELLS, 'error');
      this.live = `The network failed: ${(e as Error).message}`;
    }
    this.changed();
  }

  /** Computed iterations past the one shown. */
  get ahead(): number {
    return this.history.length - 1 - this.iteration;
  }

  /** Start computing the next chunk in the background (one at a time); resolves when it is in. */
  private extend(): Promise<void> {
    if (this.extending) return this.extending;
    const setup = this.setup;
    const last = this.history[this.history.length - 1];
    const lastRef = this.reference[this.reference.length - 1];
    if (!setup || !last || !lastRef || !Number.isFinite(last.E_total)) return Promise.resolve();
    const gen = this.gen;
    const run = (async () => {
      try {
        const more = await this.simulate({ ...setup, w: last.w, b1: last.b1, b2: last.b2 }, CHUNK);
        if (gen !== this.gen) return;
        const ref = toyReference({ ...setup, w: lastRef.w, b1: lastRef.b1, b2: lastRef.b2 }, CHUNK);
        const base = this.history.length - 1;
        // New arrays: the cells that take them re-render.
        this.history = [...this.history, ...more.slice(1).map((s) => ({ ...s, iteration: base + s.iteration }))];
        this.reference = [...this.reference, ...ref.slice(1).map((s) => ({ ...s, iteration: base + s.iteration }))];
        this.comparison.extend(this.history, this.reference);
      } catch (e) {
        if (gen !== this.gen) return;
        this.pause(false);
        this.engineNote = `error: ${(e as Error).message}`;
        this.setStatus(['train'], 'error');
        this.live = `The network failed: ${(e as Error).message}`;
      }
      this.changed();
    })();
    const p: Promise<void> = run.finally(() => {
      if (this.extending === p) this.extending = null;
    });
    this.extending = p;
    return p;
  }

  /** Keep enough computed ahead: two seconds of playback, at least two chunks. */
  private prefetch() {
    const want = this.playing ? Math.max(2 * CHUNK, 2 * this.speed) : CHUNK / 2;
    if (this.ahead < want) void this.extend().then(() => this.playing && this.prefetch());
  }

  async step(n = 1): Promise<void> {
    if (!this.history.length) await this.compute();
    if (!this.history.length) return;
    while (this.ahead < n) {
      const len = this.history.length;
      await this.extend();
      if (this.history.length === len) return; // stopped (NaN, new setup)
    }
    this.iteration += n;
    this.prefetch();
    this.announce();
    this.changed();
  }

  private announce(prefix = 'Iteration') {
    const cur = this.history[this.iteration];
    this.live = cur ? `${prefix} ${this.iteration}: E_total = ${fmt(cur.E_total, 6)}.` : '';
  }

  reset(): void {
    this.pause(false);
    this.iteration = 0;
    this.announce('Reset to iteration');
    this.changed();
  }

  setSpeed(v: number): void {
    this.speed = v;
    this.changed();
  }

  async play(): Promise<void> {
    if (this.playing) return;
    if (!this.history.length) await this.compute();
    if (!this.history.length) return;
    this.playing = true;
    this.carry = 0;
    this.lastFrame = performance.now();
    this.live = `Playing at ${this.speed} iterations per second.`;
    this.prefetch();
    this.raf = requestAnimationFrame(this.tick);
    this.changed();
  }

  /** Stops at once: the iteration shown is the last one (no run in flight moves it). */
  pause(announce = true): void {
    if (!this.playing) return;
    this.playing = false;
    cancelAnimationFrame(this.raf);
    if (announce) this.announce('Paused at iteration');
    this.changed();
  }

  private tick = (now: number) => {
    if (!this.playing) return;
    this.carry += ((now - this.lastFrame) / 1000) * this.speed;
    this.lastFrame = now;
    const want = Math.floor(this.carry);
    const n = Math.min(want, this.ahead);
    // Waiting for the GPU must not turn into a jump once it catches up: drop the backlog.
    this.carry = want > n ? 0 : this.carry - n;
    if (n > 0) {
      this.iteration += n;
      this.changed();
    }
    const cur = this.history[this.iteration];
    if (!cur || !Number.isFinite(cur.E_total)) {
      this.pause();
      return;
    }
    this.prefetch();
    this.raf = requestAnimationFrame(this.tick);
  };
}
