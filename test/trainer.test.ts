// The trainer on a few real MNIST batches: it learns, it is deterministic for a seed, it frees
// every GPU buffer it made, and a NaN step is caught with the weights from before it kept.
import { describe, expect, it } from 'vitest';
import { limitSplit } from '../src/data/mnist';
import { loadMnistNode } from '../src/data/mnist-node';
import { Model } from '../src/engine/model';
import spec from '../src/models/mnist-default.json';
import { configErrors, DEFAULT_CONFIG, type TrainConfig } from '../src/train/config';
import { GpuSplit, Trainer } from '../src/train/trainer';
import { runtime } from './gpu';

const data = loadMnistNode();

async function setup(cfg: Partial<TrainConfig>, trainN = 256, testN = 128) {
  const rt = await runtime();
  const d = await data;
  const train = new GpuSplit(rt, limitSplit(d.train, trainN), 'train');
  const test = new GpuSplit(rt, limitSplit(d.test, testN), 'test');
  const model = new Model(rt, spec, [1, 28, 28]);
  model.init(cfg.seed ?? 1);
  const trainer = new Trainer(model, train, test, { ...DEFAULT_CONFIG, ...cfg });
  const free = () => {
    trainer.destroy();
    model.destroy();
    train.destroy();
    test.destroy();
  };
  return { rt, model, trainer, free };
}

describe('Trainer', () => {
  it('frees every buffer it created; live bytes do not grow from epoch to epoch', async () => {
    const rt = await runtime();
    void rt.dummy; // the runtime's one shared placeholder buffer lives as long as the runtime
    const before = rt.liveBytes;
    const { trainer, free } = await setup({ epochs: 3, batch: 64 }, 128, 64);
    const sizes: number[] = [];
    await trainer.run({ onEpoch: () => sizes.push(rt.liveBytes) });
    expect(sizes.length).toBe(3);
    expect(new Set(sizes).size).toBe(1);
    free();
    expect(rt.liveBytes).toBe(before);
  });

  it('is deterministic for a seed and learns on a few batches', async () => {
    const losses: number[][] = [];
    for (let k = 0; k < 2; k++) {
      const { trainer, free } = await setup({ epochs: 2, batch: 64, lr: 0.05, seed: 3 });
      const l: number[] = [];
      await trainer.run({ onFirstLoss: (x) => l.push(x), onEpoch: (e) => l.push(e.trainLoss) });
      losses.push(l);
      free();
    }
    expect(losses[0]).toEqual(losses[1]);
    expect(losses[0][0]).toBeGreaterThan(2); // ~ln 10 at the start
    expect(losses[0][2]).toBeLessThan(losses[0][1]);
  });

  it('stops where an update would overflow a running statistic, keeping every buffer finite', async () => {
    const { trainer, model, free } = await setup({ epochs: 1, batch: 64, lr: 100, schedule: { type: 'constant' } }, 1024);
    const r = await trainer.run();
    expect(r.status).toBe('nonfinite');
    if (r.status !== 'nonfinite') return;
    expect(r.detail.message).toMatch(/running statistic \d+\.running_(var|mean)\[\d+\] would have become NaN\/Inf/);
    const snap = await model.snapshot();
    for (const [k, t] of Object.entries(snap.state)) expect(t.data.every(Number.isFinite), k).toBe(true);
    expect(snap.momenta.every(Number.isFinite)).toBe(true);
    free();
  });

  it('stops at a forward pass that overflows, names the layer and keeps the weights from before it', async () => {
    const { trainer, model, free } = await setup({ epochs: 1, batch: 64 }, 256);
    const state = await model.getState();
    state['0.weight'].data.fill(3e38); // finite, but the first convolution's sums overflow
    model.setState(state);
    const r = await trainer.run();
    expect(r.status).toBe('nonfinite');
    if (r.status !== 'nonfinite') return;
    // A layer, or a unit the plan computes together (Conv2d → BatchNorm2d → ReLU → Dropout), by index and type.
    expect(r.detail.message).toMatch(/epoch 1, step 1 of 4.*layers? \d+(–\d+)? \(\w+/);
    const after = await model.getState();
    expect(after['0.weight'].data).toEqual(state['0.weight'].data);
    free();
  });

  it('Stop, then Continue picks up mid-epoch', async () => {
    const { trainer, free } = await setup({ epochs: 1, batch: 32 }, 256);
    let stopped = false;
    const r1 = await trainer.run({
      onProgress: (p) => {
        if (!stopped && p.step >= 2) {
          stopped = true;
          trainer.stop();
        }
      },
    });
    expect(r1.status).toBe('stopped');
    expect(trainer.stepInEpoch).toBeGreaterThan(0);
    expect(trainer.stepInEpoch).toBeLessThan(8);
    const r2 = await trainer.run();
    expect(r2.status).toBe('done');
    expect(trainer.history.length).toBe(1);
    free();
  });

  it('refuses bad hyper-parameters with a message per field', () => {
    const e = configErrors({ ...DEFAULT_CONFIG, batch: 0, lr: -1, epochs: 1.5, momentum: 1 });
    expect(Object.keys(e).sort()).toEqual(['batch', 'epochs', 'lr', 'momentum']);
  });
});
