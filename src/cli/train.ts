// npm run train -- --epochs N --batch B --lr X --seed S --train-limit N --test-limit N --out DIR
//   [--model spec.json|model.py] [--init weights.safetensors] [--schedule onecycle|step|constant]
//   [--momentum M] [--weight-decay W] [--rotation DEG] [--crop-p P] [--step-size N --gamma G]
//   [--overwrite]
// Trains the notebook's model with the same engine through Dawn and prints one line per epoch.
// Before the first step DIR/init.safetensors holds the weights the run starts from (the seed's
// initialisation or --init), so the same start can be given to PyTorch (export:pytorch --weights).
// After every epoch DIR/weights.safetensors and then DIR/log.json (which names the weights' epoch
// and SHA-256) are replaced atomically, so a crash at any instant leaves the last finished epoch.
// Exit status: 0 done; 2 refused before any work (bad option, spec, data, --out); 3 stopped on a
// non-finite value; 4 a GPU error or limit.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { limitSplit } from '../data/mnist';
import { loadMnistNode } from '../data/mnist-node';
import { GpuError } from '../engine/gpu-errors';
import { Model } from '../engine/model';
import { openNodeGpu } from '../engine/node-gpu';
import { Runtime } from '../engine/runtime';
import { pastePyTorch } from '../engine/pytorch/parse';
import { checkClassifier, countParams, parseSpec, readSpecText } from '../engine/spec';
import defaultSpec from '../models/mnist-default.json';
import { errorLines, parseConfig, type ConfigField, type RawConfig, type TrainConfig } from '../train/config';
import { GpuSplit, Trainer, type EpochLog } from '../train/trainer';
import { encodeSnapshot, loadWeights } from '../train/weights';
import { parseArgs } from './args';
import { commit, machine } from './provenance';
import { RunDir } from './run-dir';

/** CLI option → config field. */
const FIELDS: Record<string, ConfigField> = {
  epochs: 'epochs',
  batch: 'batch',
  lr: 'lr',
  seed: 'seed',
  'train-limit': 'trainLimit',
  'test-limit': 'testLimit',
  schedule: 'schedule',
  momentum: 'momentum',
  'weight-decay': 'weightDecay',
  rotation: 'rotation',
  'crop-p': 'cropP',
  'step-size': 'stepSize',
  gamma: 'gamma',
};
export const optionName = (field: string) => `--${Object.keys(FIELDS).find((k) => FIELDS[k] === field) ?? field}`;

async function main() {
  const a = parseArgs(process.argv.slice(2), [...Object.keys(FIELDS), 'out', 'model', 'init', 'data'], ['overwrite']);
  const raw: RawConfig = {};
  for (const [opt, field] of Object.entries(FIELDS)) if (a[opt] !== undefined) raw[field] = a[opt];
  const parsed = parseConfig(raw);
  if (!parsed.ok) throw new Error(errorLines(parsed.errors, optionName));
  const { config: cfg, trainLimit, testLimit } = parsed.value;
  const spec = a.model ? readModel(a.model) : defaultSpec;
  checkClassifier(parseSpec(spec, [1, 28, 28]), 10); // a bad spec is refused before the GPU is touched
  const initBytes = a.init !== undefined ? readFileSync(a.init) : null;
  if (a.out === '') throw new Error('--out needs a value');
  const out = a.out ?? 'runs/latest';
  const dir = RunDir.open(out, 'overwrite' in a);
  const release = (sig: string, code: number) => () => {
    dir.release();
    console.error(`train: ${sig}: stopped; ${join(out, 'weights.safetensors')} holds the last finished epoch, if any`);
    process.exit(code);
  };
  process.on('SIGINT', release('SIGINT', 130));
  process.on('SIGTERM', release('SIGTERM', 143));
  try {
    process.exitCode = await train(dir, out, cfg, trainLimit, testLimit, spec, a, initBytes);
  } finally {
    dir.release();
  }
}

/** --model: a JSON spec, or a model.py read as Paste PyTorch reads it (its module names kept). */
function readModel(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  if (!file.endsWith('.py')) return readSpecText(text, file);
  try {
    return pastePyTorch(text);
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
}

async function train(
  dir: RunDir,
  out: string,
  cfg: TrainConfig,
  trainLimit: number | undefined,
  testLimit: number | undefined,
  spec: unknown,
  a: Record<string, string>,
  initBytes: Uint8Array | null,
): Promise<number> {
  const t0 = performance.now();
  const data = await loadMnistNode(a.data ?? 'public/data');
  const { device, info, tuning } = await openNodeGpu();
  const rt = new Runtime(device, info, tuning);
  const model = new Model(rt, spec, [1, 28, 28]);
  model.init(cfg.seed);
  if (initBytes) loadWeights(model, initBytes, a.init);
  const train = new GpuSplit(rt, limitSplit(data.train, trainLimit), 'train');
  const test = new GpuSplit(rt, limitSplit(data.test, testLimit), 'test');
  const trainer = new Trainer(model, train, test, cfg);
  dir.write('init.safetensors', encodeSnapshot(model, await model.snapshot(), { epoch: '0' }));
  const warm = await trainer.warmUp();
  console.log(`adapter: ${info.adapter}`);
  console.log(`model: ${countParams(model.infos)} parameters; train ${train.count}, test ${test.count}; pipelines compiled in ${warm.toFixed(0)} ms`);
  const log = {
    status: 'running' as 'running' | 'done' | 'nonfinite' | 'failed',
    adapter: info.adapter,
    machine: machine(),
    commit: commit(),
    params: model.paramCount,
    config: { ...cfg, trainLimit, testLimit, model: spec },
    firstBatchLoss: null as number | null,
    epochs: [] as EpochLog[],
    /** The weights file this log belongs to: written (atomically) just before the log. */
    weights: null as { file: string; epoch: number; sha256: string } | null,
    error: null as string | null,
    startupMs: performance.now() - t0,
    totalSec: 0,
  };
  const saveLog = () => dir.write('log.json', JSON.stringify(log, null, 2) + '\n');
  saveLog();
  // Epoch ends are written in order, one after another, while training goes on.
  let writes = Promise.resolve();
  let code = 0;
  try {
    const result = await trainer.run({
      onFirstLoss: (l) => {
        log.firstBatchLoss = l;
        console.log(`first batch loss: ${l.toFixed(6)}`);
      },
      onEpoch: (e) => {
        const snap = model.snapshot(); // the copy is submitted now, before the next step
        const history = [...trainer.history];
        writes = writes.then(async () => {
          const bytes = encodeSnapshot(model, await snap, { epoch: String(e.epoch) });
          dir.write('weights.safetensors', bytes);
          log.epochs = history;
          log.weights = { file: 'weights.safetensors', epoch: e.epoch, sha256: createHash('sha256').update(bytes).digest('hex') };
          log.totalSec = (performance.now() - t0) / 1000;
          saveLog();
        });
        console.log(
          `epoch ${String(e.epoch).padStart(2)}  train loss ${e.trainLoss.toFixed(4)} acc ${e.trainAcc.toFixed(2)}%  ` +
            `test loss ${e.testLoss.toFixed(4)} acc ${e.testAcc.toFixed(2)}%  ${e.seconds.toFixed(1)} s  ${Math.round(e.imagesPerSec)} img/s`,
        );
      },
    });
    await writes;
    if (result.status === 'nonfinite') {
      log.status = 'nonfinite';
      log.error = result.detail.message;
      console.error(result.detail.message);
      code = 3;
    } else log.status = 'done';
  } catch (e) {
    await writes.catch(() => undefined);
    log.status = 'failed';
    log.error = (e as Error).message;
    code = e instanceof GpuError ? 4 : 2;
    console.error(`train: ${log.error}`);
  }
  log.totalSec = (performance.now() - t0) / 1000;
  saveLog();
  const w = log.weights ? `${join(out, 'weights.safetensors')} (epoch ${log.weights.epoch})` : 'no weights (no epoch finished)';
  console.log(`wrote ${join(out, 'log.json')} and ${w} (${log.totalSec.toFixed(1)} s in all)`);
  trainer.destroy();
  device.destroy();
  return code;
}

main().catch((e) => {
  console.error(`train: ${e instanceof Error ? e.message : e}`);
  process.exit(e instanceof GpuError ? 4 : 2);
});
