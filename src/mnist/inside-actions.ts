// Looking inside the model from the page: one digit's maps and gradients, the weights, refreshed
// while a run trains (each refresh queues behind the step in flight; none waits for another).
import { strictNumber } from '../train/config';
import type { MnistSession } from './session';

/** Seconds between refreshes while training. */
export const REFRESH_SEC = 3;

export class InsideActions {
  private busy = false;
  private last = 0;
  private drawn: { pixels: Float32Array; label: number } | null = null;

  constructor(private session: MnistSession) {}

  /** The inside of test image `pick.image` (the field's string), or of the last drawn digit. */
  async show(pick: { image: string } | { drawn: true }): Promise<void> {
    const session = this.session;
    const s = session.state;
    if (!s.built) return session.set({ insideError: 'Train or import a model first (cell 5).' });
    let req: { type: 'inside'; image?: number; pixels?: Float32Array; label?: number };
    if ('drawn' in pick) {
      if (!this.drawn) return session.set({ insideError: 'Draw a digit in cell 7 first.' });
      req = { type: 'inside', pixels: this.drawn.pixels, label: this.drawn.label };
    } else {
      const i = strictNumber(pick.image);
      const n = s.info?.testCount ?? 10000;
      session.set({ insidePick: pick.image });
      if (!(Number.isInteger(i) && i >= 0 && i < n)) return session.set({ insideError: `a test image index from 0 to ${n - 1}` });
      req = { type: 'inside', image: i };
    }
    this.busy = true;
    try {
      session.set({ inside: await session.worker().call(req), insideError: '' });
    } catch (e) {
      session.set({ insideError: (e as Error).message });
    } finally {
      this.busy = false;
      this.last = performance.now();
    }
  }

  /** The parameters now; the previous snapshot is kept to show what changed. */
  async refreshWeights(): Promise<void> {
    if (!this.session.state.built) return;
    const w = await this.session.worker().call({ type: 'weights' });
    this.session.set({ prevWeights: this.session.state.weights, weights: w });
  }

  /** Remember a drawn digit (normalised) and the class the model gave it, for "inside this drawing". */
  rememberDrawn(pixels: Float32Array | null, probs: number[] | null): void {
    this.drawn = pixels && probs ? { pixels, label: probs.indexOf(Math.max(...probs)) } : null;
  }

  /** On training progress: refresh what is on screen, at most every REFRESH_SEC, one at a time. */
  onProgress(): void {
    const s = this.session.state;
    if (this.busy || performance.now() - this.last < REFRESH_SEC * 1000) return;
    this.last = performance.now();
    if (s.inside) void this.show(s.inside.image === null ? { drawn: true } : { image: String(s.inside.image) });
    if (s.weights) void this.refreshWeights();
  }
}
