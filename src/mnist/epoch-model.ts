// A second model in the worker for a finished epoch's weights: the epoch sliders (cells 8 and 9)
// look at it through the same GPU inspect path as the model training, whose weights it never
// touches, so a slider can move while a run goes on. One look at a time (each loads its weights).
import { insideDigit, type DigitInside } from '../engine/inspect';
import { Model } from '../engine/model';
import type { Runtime } from '../engine/runtime';
import { loadWeights } from '../train/weights';
import type { EpochPick } from './protocol';

export class EpochModel {
  private model: Model | null = null;
  private key = '';
  private queue: Promise<unknown> = Promise.resolve();

  /** `fn` on a model of `pick.spec` holding epoch `pick.epoch`'s weights, after any look before it. */
  private use<T>(rt: Runtime, pick: EpochPick, fn: (m: Model) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      const key = JSON.stringify(pick.spec);
      if (!this.model || this.key !== key || this.model.rt !== rt) {
        this.model?.destroy();
        this.model = null;
        this.model = new Model(rt, pick.spec, [1, 28, 28]);
        this.key = key;
      }
      loadWeights(this.model, pick.weights, `the weights of epoch ${pick.epoch}`);
      return fn(this.model);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  inside(rt: Runtime, pick: EpochPick, x: Float32Array, label: number, grads: (m: Model) => string[]): Promise<{ r: DigitInside; m: Model }> {
    return this.use(rt, pick, async (m) => ({ r: await insideDigit(m, x, label, grads(m)), m }));
  }

  state(rt: Runtime, pick: EpochPick): Promise<Record<string, { shape: number[]; data: Float32Array }>> {
    return this.use(rt, pick, (m) => m.getState());
  }

  destroy(): void {
    this.model?.destroy();
    this.model = null;
  }
}
