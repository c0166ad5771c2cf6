// Looking inside the model from the page: one digit's maps and gradients, the weights, refreshed
// while a run trains (each refresh queues behind the step in flight; none waits for another).
import { strictNumber } from '../train/config';
import type { EpochPick } from './protocol';
import type { MnistSession } from './session';

/** Seconds between refreshes while training. */
export const REFRESH_SEC = 3;

export class InsideActions {
  private busy = false;
  private last = 0;
  private drawn: { pixels: Float32Array; label: number } | null = null;

  constructor(private session: MnistSession) {}

  /**
   * The inside of test image `pick.image` (the field's string), or of the last drawn digit. A
   * refresh while training (`auto`) redraws the cell without counting as a run of it.
   */
  async show(pick: { image: string } | { drawn: true }, auto = false): Promise<void> {
    const session = this.session;
    const s = session.state;
    const refuse = (insideError: string) => {
      session.set({ insideError });
      if (!auto) session.setCell('inside', 'error');
    };
    if (!s.built) return refuse('Train or import a model first (cell 5).');
    let req: { type: 'inside'; image?: number; pixels?: Float32Array; label?: number; epoch?: EpochPick };
    if ('drawn' in pick) {
      if (!this.drawn) return refuse('Draw a digit in cell 7 first.');
      req = { type: 'inside', pixels: this.drawn.pixels, label: this.drawn.label };
    } else {
      const i = strictNumber(pick.image);
      const n = s.info?.testCount ?? 10000;
      session.set({ insidePick: pick.image });
      if (!(Number.isInteger(i) && i >= 0 && i < n)) return refuse(`a test image index from 0 to ${n - 1}`);
      req = { type: 'inside', image: i };
    }
    const epoch = this.pick(s.insideEpoch);
    if (epoch) req.epoch = epoch;
    this.busy = true;
    if (!auto) session.setCell('inside', 'running');
    try {
      session.set({ inside: await session.worker().call(req), insideError: '' });
      if (!auto) session.setCell('inside', 'done');
    } catch (e) {
      refuse((e as Error).message);
    } finally {
      this.busy = false;
      this.last = performance.now();
    }
  }

  /** Epoch `e`'s weights to look at (null: the model's current ones). */
  private pick(e: number | null): EpochPick | undefined {
    const r = this.session.state.epochRun;
    const weights = e === null ? undefined : r?.weights[e];
    return r && weights && e !== null ? { spec: r.spec, epoch: e, weights } : undefined;
  }

  /**
   * The parameters now, the previous snapshot kept to show what changed; at a picked epoch, its
   * weights and the change since the epoch before.
   */
  async refreshWeights(auto = false): Promise<void> {
    const session = this.session;
    const s = session.state;
    if (!s.built) return;
    const e = s.weightsEpoch;
    const at = this.pick(e);
    if (!auto) session.setCell('weights', 'running');
    try {
      const w = await session.worker().call({ type: 'weights', epoch: at });
      const before = at && e! > 0 ? await session.worker().call({ type: 'weights', epoch: this.pick(e! - 1) }) : null;
      session.set({ prevWeights: at ? before : session.state.weights?.epoch === undefined ? session.state.weights : null, weights: w });
      if (!auto) session.setCell('weights', 'done');
    } catch (err) {
      session.setCell('weights', 'error', (err as Error).message);
    }
  }

  /** The epoch slider of cell 8 or 9 moved (null: back to the current weights): show that epoch. */
  async showEpoch(cell: 'inside' | 'weights', e: number | null): Promise<void> {
    const session = this.session;
    if (cell === 'weights') {
      session.set({ weightsEpoch: e });
      return this.refreshWeights();
    }
    session.set({ insideEpoch: e });
    const i = session.state.inside;
    await this.show(i && i.image === null ? { drawn: true } : { image: session.state.insidePick });
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
    // A cell showing a picked epoch stays on it: training does not move what it shows.
    if (s.inside && s.insideEpoch === null) void this.show(s.inside.image === null ? { drawn: true } : { image: String(s.inside.image) }, true);
    if (s.weights && s.weightsEpoch === null) void this.refreshWeights(true);
  }
}
