#!/usr/bin/env node
// Every preset of the model cell, one epoch here and in PyTorch from the same initial weights:
//   node scripts/compare-presets.mjs [--out docs/bench/presets-vs-pytorch.json] [--presets a,b] [--seeds 1,2,3]
// For each preset and seed: `train` here (transforms off) writes init.safetensors (the seed's
// initialisation) and the run's log; `export-pytorch --weights init.safetensors` makes the PyTorch
// project from that start; its train.py (Debian's torch at /usr/bin/python3) trains the same epoch,
// visiting the images in the same order. Recorded: both first-step losses and test accuracies.
// (a model with dropout trains twice in PyTorch: with its own masks, and with ours through
// train.py --engine-dropout, which the first-step loss is compared with).
// Passes when every first-step loss agrees to 1e-4 and, per preset, the mean test accuracy here is
// within PyTorch's own spread over the seeds (max − min) of PyTorch's mean. Needs `npm run build:node`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from '../dist-node/args.js';

// The CLI's own option parser: an unknown option or a missing value is refused, never ignored.
const args = parseArgs(process.argv.slice(2), ['out', 'presets', 'seeds']);
const PRESETS = {
  'mnist-default': { lr: 0.05 },
  s5: { lr: 0.01 }, // the S5 notebook's SGD rate; 0.05 without BatchNorm diverges
  'era-18962': { lr: 0.05 },
  'era-17130': { lr: 0.05 },
  'era-17640': { lr: 0.05 },
  'era-7918': { lr: 0.05 },
};
const names = args.presets ? args.presets.split(',') : Object.keys(PRESETS);
for (const n of names) if (!PRESETS[n]) throw new Error(`--presets: no preset ${n} (known: ${Object.keys(PRESETS).join(', ')})`);
const seeds = (args.seeds ?? '1,2,3').split(',').map(Number);
const out = args.out ?? 'docs/bench/presets-vs-pytorch.json';
const COMMON = ['--epochs', '1', '--batch', '64', '--momentum', '0.9', '--schedule', 'constant', '--rotation', '0', '--crop-p', '0', '--train-limit', '4096'];
const THREADS = '2';
const work = join(tmpdir(), `presets-${process.pid}`);
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' };

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const readLog = (dir) => JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const rows = [];
for (const name of names) {
  for (const seed of seeds) {
    const dir = join(work, `${name}-${seed}`);
    const t0 = Date.now();
    run('node', [
      'dist-node/train.js',
      '--model',
      `src/models/${name}.json`,
      ...COMMON,
      '--lr',
      String(PRESETS[name].lr),
      '--seed',
      String(seed),
      '--out',
      dir,
    ]);
    const oursSec = (Date.now() - t0) / 1000;
    const proj = join(dir, 'project');
    run('node', ['dist-node/export-pytorch.js', '--run', dir, '--weights', join(dir, 'init.safetensors'), '--out', proj]);
    const t1 = Date.now();
    run('/usr/bin/python3', [join(proj, 'train.py'), '--data', 'public/data', '--threads', THREADS, '--out', join(proj, 'out')]);
    const torchSec = (Date.now() - t1) / 1000;
    const ours = readLog(dir);
    const torch = readLog(join(proj, 'out'));
    // With dropout, PyTorch's own masks differ from ours: the same epoch again with ours (--engine-dropout).
    const dropout = ours.config.model.some((l) => l.type === 'Dropout' || l.type === 'Dropout2d');
    if (dropout)
      run('/usr/bin/python3', [join(proj, 'train.py'), '--data', 'public/data', '--threads', THREADS, '--engine-dropout', '--out', join(proj, 'masks')]);
    const masks = dropout ? readLog(join(proj, 'masks')) : torch;
    const row = {
      preset: name,
      params: ours.params,
      seed,
      lr: PRESETS[name].lr,
      dropout,
      oursFirstLoss: ours.firstBatchLoss,
      /** PyTorch from the same weights with our dropout masks (its own where the model has no dropout). */
      torchFirstLoss: masks.firstBatchLoss,
      firstLossDiff: Math.abs(ours.firstBatchLoss - masks.firstBatchLoss),
      oursTestAcc: ours.epochs[0].testAcc,
      torchTestAcc: torch.epochs[0].testAcc,
      torchMasksTestAcc: masks.epochs[0].testAcc,
      oursTrainLoss: ours.epochs[0].trainLoss,
      torchTrainLoss: torch.epochs[0].trainLoss,
      torchMasksTrainLoss: masks.epochs[0].trainLoss,
      oursSec,
      torchSec,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}

const summary = names.map((preset) => {
  const r = rows.filter((x) => x.preset === preset);
  const t = r.map((x) => x.torchTestAcc);
  const spread = Math.max(...t) - Math.min(...t);
  const gap = Math.abs(mean(r.map((x) => x.oursTestAcc)) - mean(t));
  const maxFirstLossDiff = Math.max(...r.map((x) => x.firstLossDiff));
  return {
    preset,
    params: r[0].params,
    oursMeanAcc: mean(r.map((x) => x.oursTestAcc)),
    torchMeanAcc: mean(t),
    torchMasksMeanAcc: mean(r.map((x) => x.torchMasksTestAcc)),
    torchSpread: spread,
    gap,
    accuracyAgrees: gap <= spread,
    maxFirstLossDiff,
    firstLossAgrees: maxFirstLossDiff <= 1e-4,
  };
});
const ours = readLog(join(work, `${names[0]}-${seeds[0]}`));
const report = {
  what: 'one epoch on 4,096 training images (batch 64, SGD momentum 0.9, constant lr, transforms off), tested on the 10,000 test images; here and in PyTorch from the same initial weights',
  adapter: ours.adapter,
  machine: ours.machine ?? `${cpus().length} CPU cores`,
  commit: ours.commit,
  torchThreads: Number(THREADS),
  date: new Date().toISOString(),
  seeds,
  summary,
  rows,
};
mkdirSync(join(out, '..'), { recursive: true });
writeFileSync(out + '.tmp', JSON.stringify(report, null, 1) + '\n');
renameSync(out + '.tmp', out);
rmSync(work, { recursive: true, force: true });
for (const s of summary)
  console.log(
    `${s.preset.padEnd(14)} ${String(s.params).padStart(7)}  ours ${s.oursMeanAcc.toFixed(2)}%  PyTorch ${s.torchMeanAcc.toFixed(2)}% (spread ${s.torchSpread.toFixed(2)})  ` +
      `${s.accuracyAgrees ? 'agrees' : 'DIFFERS'}; first-step loss max diff ${s.maxFirstLossDiff.toExponential(1)} ${s.firstLossAgrees ? 'ok' : 'OVER 1e-4'}`,
  );
process.exitCode = summary.every((s) => s.accuracyAgrees && s.firstLossAgrees) ? 0 : 1;
