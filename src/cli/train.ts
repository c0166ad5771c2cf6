// npm run train -- --epochs N --batch B --lr X --seed S --train-limit N --test-limit N --out DIR
//   [--model spec.json] [--init weights.safetensors] [--schedule onecycle|step|constant]
//   [--momentum M] [--weight-decay W] [--rotation DEG] [--crop-p P] [--step-size N --gamma G]
// Trains the notebook's model with the same engine through Dawn, prints one line per epoch and
// writes DIR/log.json and DIR/weights.safetensors.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { limitSplit } from '../data/mnist';
import { loadMnistNode } from '../data/mnist-node';
import { Model } from '../engine/model';
import { openNodeGpu } from '../engine/node-gpu';
import { Runtime } from '../engine/runtime';
import { countParams, parseSpec } from '../engine/spec';
import defaultSpec from '../models/mnist-default.json';
import { exportWeights, importWeights } from '../train/weights';
import { parseArgs } from './args';
import { commit, machine } from './provenance';
import type { Schedule } from '../train/schedule';
import { configErrors, DEFAULT_CONFIG, GpuSplit, Trainer, type TrainConfig } from '../train/trainer';

const num = (s: string | undefined, d: number) => (s === undefined ? d : Number(s));

async function main() {
  const known = ['epochs', 'batch', 'lr', 'seed', 'train-limit', 'test-limit', 'out', 'model', 'init', 'schedule', 'momentum', 'weight-decay', 'rotation', 'crop-p', 'step-size', 'gamma', 'data'];
  const a = parseArgs(process.argv.slice(2), known);
  const sched = a.schedule ?? 'onecycle';
  const schedule: Schedule =
    sched === 'onecycle' ? { type: 'OneCycleLR' }
    : sched === 'step' ? { type: 'StepLR', step_size: num(a['step-size'], 8), gamma: num(a.gamma, 0.1) }
    : sched === 'constant' ? { type: 'constant' }
    : (() => { throw new Error(`--schedule must be onecycle, step or constant`); })();
  const cfg: TrainConfig = {
    ...DEFAULT_CONFIG,
    epochs: num(a.epochs, DEFAULT_CONFIG.epochs),
    batch: num(a.batch, DEFAULT_CONFIG.batch),
    lr: num(a.lr, DEFAULT_CONFIG.lr),
    seed: num(a.seed, DEFAULT_CONFIG.seed),
    momentum: num(a.momentum, DEFAULT_CONFIG.momentum),
    weightDecay: num(a['weight-decay'], DEFAULT_CONFIG.weightDecay),
    schedule,
    augment: { ...DEFAULT_CONFIG.augment, rotation: num(a.rotation, DEFAULT_CONFIG.augment.rotation), cropP: num(a['crop-p'], DEFAULT_CONFIG.augment.cropP) },
  };
  const trainLimit = a['train-limit'] ? Number(a['train-limit']) : undefined;
  const testLimit = a['test-limit'] ? Number(a['test-limit']) : undefined;
  for (const [k, v] of [['train-limit', trainLimit], ['test-limit', testLimit]] as const)
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new Error(`--${k} must be a whole number ≥ 1`);
  const errs = configErrors(cfg);
  if (Object.keys(errs).length) throw new Error(Object.values(errs).join('\n'));
  const spec = a.model ? JSON.parse(readFileSync(a.model, 'utf8')) : defaultSpec;
  parseSpec(spec, [1, 28, 28]); // refuse a bad spec before touching the GPU
  const out = a.out ?? 'runs/latest';

  const t0 = performance.now();
  const data = await loadMnistNode(a.data ?? 'public/data');
  const { device, info } = await openNodeGpu();
  device.lost.then((l) => l.reason !== 'destroyed' && console.error(`device lost: ${l.message}`));
  const rt = new Runtime(device, info);
  const model = new Model(rt, spec, [1, 28, 28]);
  model.init(cfg.seed);
  if (a.init) importWeights(model, readFileSync(a.init), a.init);
  const train = new GpuSplit(rt, limitSplit(data.train, trainLimit), 'train');
  const test = new GpuSplit(rt, limitSplit(data.test, testLimit), 'test');
  const trainer = new Trainer(model, train, test, cfg);
  const warm = await trainer.warmUp();
  console.log(`adapter: ${info.adapter}`);
  console.log(`model: ${countParams(model.infos)} parameters; train ${train.count}, test ${test.count}; pipelines compiled in ${warm.toFixed(0)} ms`);
  let firstLoss = NaN;
  const log = { adapter: info.adapter, machine: machine(), commit: commit(), params: model.paramCount, config: { ...cfg, trainLimit, testLimit, model: spec }, firstBatchLoss: NaN, epochs: [] as unknown[], startupMs: 0, totalSec: 0 };
  log.startupMs = performance.now() - t0;
  mkdirSync(out, { recursive: true });
  const save = () => writeFileSync(join(out, 'log.json'), JSON.stringify({ ...log, firstBatchLoss: firstLoss }, null, 2) + '\n');
  const result = await trainer.run({
    onFirstLoss: (l) => {
      firstLoss = l;
      console.log(`first batch loss: ${l.toFixed(6)}`);
    },
    onEpoch: (e) => {
      log.epochs.push(e);
      log.totalSec = (performance.now() - t0) / 1000;
      console.log(
        `epoch ${String(e.epoch).padStart(2)}  train loss ${e.trainLoss.toFixed(4)} acc ${e.trainAcc.toFixed(2)}%  ` +
          `test loss ${e.testLoss.toFixed(4)} acc ${e.testAcc.toFixed(2)}%  ${e.seconds.toFixed(1)} s  ${Math.round(e.imagesPerSec)} img/s`,
      );
      save();
    },
  });
  save();
  writeFileSync(join(out, 'weights.safetensors'), await exportWeights(model));
  if (result.status === 'nonfinite') {
    console.error(result.detail.message);
    process.exitCode = 3;
  }
  console.log(`wrote ${join(out, 'log.json')} and ${join(out, 'weights.safetensors')} (${((performance.now() - t0) / 1000).toFixed(1)} s in all)`);
  trainer.destroy();
  device.destroy();
}

main().catch((e) => {
  console.error(`train: ${e instanceof Error ? e.message : e}`);
  process.exit(2);
});
