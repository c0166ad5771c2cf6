// The Node entry points (built into dist-node/ by `npm run build:node`, which `npm test` runs
// before these): bad options get a one-line reason and exit status 2 before any GPU work; a short
// real run writes what it promises.
import { expect, test } from '@playwright/test';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, expectRefused } from './cli-run';

test.beforeAll(() => {
  expect(existsSync('dist-node/train.js'), 'run `npm run build:node` first').toBe(true);
});

test('train refuses bad hyper-parameters, options and specs with a reason, before touching the GPU', () => {
  expectRefused('train', [
    [['--lr', '-1'], '--lr must be a number in (0, 100]'],
    [['--batch', '0'], '--batch must be a whole number from 1 to 65536'],
    [['--epochs', '2.5'], '--epochs must be a whole number from 1 to 1000'],
    [['--momentum', '1'], '--momentum must be a number in [0, 1)'],
    [['--schedule', 'cosine'], '--schedule must be onecycle, step or constant'],
    [['--learning-rate', '0.1'], 'unknown option --learning-rate'],
    [['--train-limit', '-5'], '--train-limit must be a whole number from 1 to 60000'],
    [['--epochs'], '--epochs needs a value'],
    [['--epochs', '--lr', '0.1'], '--epochs needs a value'],
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify([{ type: 'Conv2d', in_channels: 3, out_channels: 4, kernel_size: 3 }]));
  const r = cli('train', ['--model', bad]);
  expect(r.status).toBe(2);
  expect(r.err).toMatch(/layer 0 \(Conv2d\).*3.*1/);
});

test('train and bench name a missing or corrupt MNIST file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-data-'));
  const missing = cli('train', ['--data', dir]);
  expect(missing.status).toBe(2);
  expect(missing.err).toContain('is missing');
  for (const f of readdirSync('public/data')) copyFileSync(join('public/data', f), join(dir, f));
  const victim = readdirSync(dir).find((f) => f.startsWith('mnist-train-images'))!;
  const bytes = readFileSync(join(dir, victim));
  writeFileSync(join(dir, victim), bytes.subarray(0, bytes.length >> 1));
  const corrupt = cli('bench', ['--data', dir]);
  expect(corrupt.status).toBe(2);
  expect(corrupt.err).toContain(victim);
  expect(corrupt.err).toMatch(/corrupt|truncated/);
});

test('bench refuses a bad accuracy target, schedule, batch list or option', () => {
  expectRefused('bench', [
    [['--to-accuracy', '120'], '--to-accuracy must be a test accuracy in (0, 100]'],
    [['--to-accuracy', '99.4', '--lr', '0'], '--lr must be a number in (0, 100]'],
    [['--batches', '128,abc'], '--batches must be whole numbers from 1 to 65536, got "128,abc"'],
    [['--batches', '0x10'], '--batches must be whole numbers from 1 to 65536'],
    [['--batch-size', '128'], 'unknown option --batch-size'],
    [['--batch', '512'], '--batch sets the --to-accuracy run (the throughput runs take --batches)'],
    [['--steps', '0'], '--steps must be a whole number from 1 to 100000'],
    [['--to-accuracy'], '--to-accuracy needs a value'],
    [['--to-accuracy='], '--to-accuracy must be a test accuracy in (0, 100]'],
    [['profile'], 'unexpected argument profile'],
  ]);
});

test('a one-epoch train run writes its log and weights; bench writes its JSON', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-run-'));
  const r = cli('train', ['--epochs', '1', '--batch', '64', '--train-limit', '256', '--test-limit', '128', '--out', dir]);
  expect(r.status, r.err).toBe(0);
  const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
  expect(log.epochs).toHaveLength(1);
  expect(log.config).toMatchObject({ epochs: 1, batch: 64, trainLimit: 256, testLimit: 128 });
  expect(Number.isFinite(log.firstBatchLoss)).toBe(true);
  expect(log.adapter).toBeTruthy();
  expect(readFileSync(join(dir, 'weights.safetensors')).length).toBeGreaterThan(4 * 8880);
  // The start of the run, for PyTorch to begin from (export:pytorch --weights init.safetensors).
  const init = readFileSync(join(dir, 'init.safetensors'));
  expect(init.toString('latin1')).toContain('"epoch":"0"');
  expect(init.equals(readFileSync(join(dir, 'weights.safetensors')))).toBe(false);

  const json = join(dir, 'bench.json');
  const b = cli('bench', ['--batches', '32', '--steps', '2', '--warmup', '1', '--json', json]);
  expect(b.status, b.err).toBe(0);
  const out = JSON.parse(readFileSync(json, 'utf8'));
  expect(out.results).toHaveLength(1);
  expect(out.results[0]).toMatchObject({ batch: 32, steps: 2, submitsPerStep: 1 });
  expect(out.results[0].imagesPerSec).toBeGreaterThan(0);
  expect(out.adapter).toBeTruthy();
});

test('bench --plan lists one training step from the plan, and refuses what does not apply', () => {
  expectRefused('bench', [
    [['--plan', '--steps', '2'], '--steps does not apply to --plan'],
    [['--plan', '--batch', '0'], '--batch must be a whole number from 1 to 65536'],
    [['--plan', '--model', '/nonexistent/spec.json'], '--model /nonexistent/spec.json'],
    [['--model', '/nonexistent/spec.json'], '--model /nonexistent/spec.json: ENOENT'],
    [['--model', 'src/models/s5.json', '--to-accuracy', '99'], '--model is for --plan and the throughput runs'],
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'cli-plan-'));
  const json = join(dir, 'plan.json');
  const r = cli('bench', ['--plan', '--batch', '16', '--json', json]);
  expect(r.status, r.err).toBe(0);
  expect(r.out).toMatch(/total: \d+ dispatches/);
  const p = JSON.parse(readFileSync(json, 'utf8'));
  expect(p.batch).toBe(16);
  expect(p.totals.dispatches).toBe(p.dispatches.length);
  expect(p.dispatches[0]).toMatchObject({ kernel: 'augment', stage: 'input' });
  for (const d of p.dispatches)
    expect(Object.keys(d)).toEqual(expect.arrayContaining(['kernel', 'layer', 'workgroups', 'workgroupSize', 'threads', 'bytes', 'flops', 'serialIterations']));
  expect(p.host.encodeMs).toBeGreaterThan(0);
});
