// Export as PyTorch project (CLI), run by PyTorch: a short run of ours, its project exported, then
// the project's train.py from the same weights as 1 process (its first-step loss equals ours to
// 1e-4: same batch in the notebook's order, transforms off) and as 2 under torchrun (DDP, gloo on
// CPU); S5.ipynb passes nbformat.validate. Skipped, saying so, without PyTorch for /usr/bin/python3.
import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readSafetensors } from '../src/engine/safetensors';
import { cli } from './cli-run';

const hasTorch = spawnSync('/usr/bin/python3', ['-c', 'import torch, nbformat'], { stdio: 'ignore' }).status === 0;
const DATA = resolve('public/data');
// A one-epoch run at batch 64 on 64 test images, transforms off.
const SHORT = ['--test-limit', '64', '--epochs', '1', '--batch', '64', '--rotation', '0'];
// era-7918 has no Dropout: the first step's loss is then a function of the weights and the batch alone.
const RUN = ['--model', 'src/models/era-7918.json', '--train-limit', '128', ...SHORT, '--seed', '3'];
const RUN2 = [...RUN, '--lr', '0.02', '--schedule', 'step', '--step-size', '1', '--gamma', '0.5'];

const py = (args: string[], cwd?: string) => spawnSync('/usr/bin/python3', args, { encoding: 'utf8', timeout: 300_000, cwd });
// Debian's torchrun 1.13 on Python 3.11 needs --redirects/--tee spelled out (its default "0" no longer parses).
const torchrun = (args: string[]) =>
  spawnSync('/usr/bin/torchrun', ['--redirects', '1', '--tee', '1', '--nproc_per_node', '2', ...args], { encoding: 'utf8', timeout: 300_000 });
const firstLoss = (out: string) => Number(/first batch loss: ([0-9.]+)/.exec(out)?.[1]);

test.beforeAll(() => {
  expect(existsSync('dist-node/export-pytorch.js'), 'run `npm run build:node` first').toBe(true);
});

test('export-pytorch refuses a directory that is not a run, and weights that are not the run model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'proj-'));
  const r = cli('export-pytorch', ['--run', dir, '--out', join(dir, 'p')]);
  expect(r.status).toBe(2);
  expect(r.err).toBe(`export-pytorch: --run ${dir}: no log.json there; it is not a run directory`);
  const t = cli('train', [...RUN2, '--out', join(dir, 'run')]);
  expect(t.status, t.err).toBe(0);
  const w = cli('export-pytorch', ['--run', join(dir, 'run'), '--weights', 'fixtures/pytorch-init-default.safetensors', '--out', join(dir, 'p')]);
  expect(w.status).toBe(2);
  expect(w.err).toBe(
    "export-pytorch: fixtures/pytorch-init-default.safetensors: no tensor convblock1.0.weight, which the run's model has; these are not its weights",
  );
});

test('the exported train.py runs as 1 process (first-step loss = ours to 1e-4) and as 2 under torchrun; S5.ipynb validates', () => {
  test.skip(!hasTorch, 'PyTorch or nbformat is not installed for /usr/bin/python3 (apt-get install python3-torch python3-nbformat)');
  const dir = mkdtempSync(join(tmpdir(), 'proj-'));
  const a = cli('train', [...RUN2, '--out', join(dir, 'a')]);
  expect(a.status, a.err).toBe(0);
  const proj = join(dir, 'proj');
  const e = cli('export-pytorch', ['--run', join(dir, 'a'), '--out', proj]);
  expect(e.status, e.err).toBe(0);
  expect(readdirSync(proj).sort()).toEqual(['S5.ipynb', 'config.json', 'model.py', 'train.py', 'utils.py', 'weights.safetensors']);

  // Ours from the exported weights (the run's epoch-1 weights), then PyTorch's from the same file.
  const b = cli('train', [...RUN2, '--init', join(proj, 'weights.safetensors'), '--out', join(dir, 'b')]);
  expect(b.status, b.err).toBe(0);
  const ours = JSON.parse(readFileSync(join(dir, 'b', 'log.json'), 'utf8')).firstBatchLoss as number;
  const one = py([join(proj, 'train.py'), '--data', DATA, '--steps', '2', '--threads', '2', '--out', join(dir, 'out1')]);
  expect(one.status, one.stderr).toBe(0);
  const theirs = JSON.parse(readFileSync(join(dir, 'out1', 'log.json'), 'utf8')).firstBatchLoss as number;
  console.log(`first-step loss: ours ${ours}, PyTorch ${theirs} (printed ${firstLoss(one.stdout)})`);
  expect(one.stdout).toContain('1 process(es); 7918 parameters; train 128, test 64; batch 64 per process');
  expect(Math.abs(theirs - ours)).toBeLessThanOrEqual(1e-4);
  // What train.py saves, the notebook reads: the same names as ours.
  const back = readSafetensors(readFileSync(join(dir, 'out1', 'weights.safetensors')));
  expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(readSafetensors(readFileSync(join(proj, 'weights.safetensors'))).tensors).sort());

  const two = torchrun([join(proj, 'train.py'), '--data', DATA, '--steps', '2', '--threads', '1', '--out', join(dir, 'out2')]);

  expect(two.status, two.stderr).toBe(0);
  expect(two.stdout).toContain('2 process(es); 7918 parameters; train 128, test 64; batch 32 per process');
  expect(two.stdout).toMatch(/epoch {2}1 {2}train loss [0-9.]+/);
  expect(existsSync(join(dir, 'out2', 'weights.safetensors'))).toBe(true);

  const nb = py([
    '-c',
    'import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print("valid", nb.nbformat, len(nb.cells))',
    join(proj, 'S5.ipynb'),
  ]);
  expect(nb.status, nb.stderr).toBe(0);
  expect(nb.stdout.trim()).toBe('valid 4 10');
});

test("train.py --engine-dropout: a model with dropout, from our initial weights, takes our masks (first 3 steps' train loss = ours to 1e-4)", () => {
  test.skip(!hasTorch, 'PyTorch or nbformat is not installed for /usr/bin/python3 (apt-get install python3-torch python3-nbformat)');
  const dir = mkdtempSync(join(tmpdir(), 'proj-'));
  // The default model has six Dropout layers; 192 images at batch 64 are 3 steps.
  const run = ['--train-limit', '192', ...SHORT, '--lr', '0.05', '--schedule', 'constant', '--seed', '5'];
  const a = cli('train', [...run, '--out', join(dir, 'a')]);
  expect(a.status, a.err).toBe(0);
  const proj = join(dir, 'proj');
  const e = cli('export-pytorch', ['--run', join(dir, 'a'), '--weights', join(dir, 'a', 'init.safetensors'), '--out', proj]);
  expect(e.status, e.err).toBe(0);
  const ours = JSON.parse(readFileSync(join(dir, 'a', 'log.json'), 'utf8'));
  const masked = py([join(proj, 'train.py'), '--data', DATA, '--threads', '2', '--engine-dropout', '--out', join(dir, 'm')]);
  expect(masked.status, masked.stderr).toBe(0);
  const theirs = JSON.parse(readFileSync(join(dir, 'm', 'log.json'), 'utf8'));
  console.log(
    `first-step loss ours ${ours.firstBatchLoss}, PyTorch with our masks ${theirs.firstBatchLoss}; epoch train loss ${ours.epochs[0].trainLoss} / ${theirs.epochs[0].trainLoss}`,
  );
  expect(Math.abs(theirs.firstBatchLoss - ours.firstBatchLoss)).toBeLessThanOrEqual(1e-4);
  expect(Math.abs(theirs.epochs[0].trainLoss - ours.epochs[0].trainLoss)).toBeLessThanOrEqual(1e-4);

  const two = spawnSync(
    '/usr/bin/torchrun',
    ['--redirects', '1', '--tee', '1', '--nproc_per_node', '2', join(proj, 'train.py'), '--data', DATA, '--engine-dropout'],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  expect(two.status).not.toBe(0);
  expect(two.stdout + two.stderr).toContain("--engine-dropout replays the notebook's single-process run; it does not split over 2 processes");
});
