// The bad-input suite, part 2: the Node entry points (dist-node/, built by `npm test` before
// these). Each case asserts the exit status, the reason (naming the option, tensor or limit) and
// that nothing was lost or half-written; the fault tests kill a run mid-epoch and mid-write.
import { expect, test } from '@playwright/test';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../src/engine/safetensors';
import { cli, expectRefused } from './cli-run';

const SMALL = ['--train-limit', '256', '--test-limit', '128', '--epochs', '1', '--batch', '64'];

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test.beforeAll(() => {
  expect(existsSync('dist-node/train.js'), 'run `npm run build:node` first').toBe(true);
});

// [arguments, reason]: each refused with exit status 2 before the GPU is opened.
const refusedBeforeWork: [string[], string][] = [
  [['--seed', ''], '--seed needs a value'],
  [['--momentum', ''], '--momentum needs a value'],
  [['--train-limit', ''], '--train-limit needs a value'],
  [['--batch', '0x10'], '--batch must be a plain decimal number, got "0x10"'],
  [['--epochs', '1e9'], '--epochs must be a whole number from 1 to 1000'],
  [['--lr', '1e6'], '--lr must be a number in (0, 100]'],
  [['--batch', '65537'], '--batch must be a whole number from 1 to 65536'],
  [['--train-limit', '60001'], '--train-limit must be a whole number from 1 to 60000'],
  [['--schedule', 'cosine'], '--schedule must be onecycle, step or constant, got "cosine"'],
  [['--gamma', '0.5'], '--gamma applies only to the step schedule'],
  [['--schedule', 'step', '--step-size', '0'], '--step-size must be a whole number from 1 to 1000'],
  [['--out', ''], '--out needs a value'],
];

test('train refuses loose or out-of-range options before any data or GPU work', () => {
  expectRefused('train', refusedBeforeWork);
});

test('train refuses specs that cannot be trained with NLL or are too large, before the GPU', () => {
  const dir = tmp('spec-');
  const specs: [unknown, string][] = [
    [
      [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 1 }, { type: 'LogSoftmax', dim: 1 }],
      "The model's output is [1], but MNIST has 10 classes",
    ],
    [
      [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 5 }, { type: 'LogSoftmax', dim: 1 }],
      "The model's output is [5], but MNIST has 10 classes",
    ],
    [[{ type: 'ReLU' }], 'it ends in layer 0 (ReLU) with output [1, 28, 28]'],
    [[{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 7 }], 'must end in {"type": "LogSoftmax", "dim": 1}'],
    [Array(30000).fill({ type: 'ReLU' }), 'is 480,001 characters; a model spec may have at most 262,144'],
    [Array(1000).fill({ type: 'ReLU' }), 'The model spec has 1,000 layers; at most 256 are supported'],
    [
      [
        { type: 'Conv2d', in_channels: 1, out_channels: 5000, kernel_size: 3 },
        { type: 'Flatten' },
        { type: 'Linear', in_features: 5000 * 26 * 26, out_features: 10 },
        { type: 'LogSoftmax', dim: 1 },
      ],
      'parameters; at most 10,000,000 are supported',
    ],
  ];
  for (const [spec, reason] of specs) {
    const f = join(dir, 'spec.json');
    writeFileSync(f, JSON.stringify(spec));
    const r = cli('train', ['--model', f, '--out', join(dir, 'out')]);
    expect(r.status, reason).toBe(2);
    expect(r.err).toContain(reason);
    expect(existsSync(join(dir, 'out')), 'nothing is created for a refused run').toBe(false);
  }
});

test('--out is checked and locked before any work: a file, a path that cannot exist, a directory in the way, an earlier run', () => {
  const dir = tmp('out-');
  writeFileSync(join(dir, 'file'), 'x');
  mkdirSync(join(dir, 'dirs', 'weights.safetensors'), { recursive: true });
  mkdirSync(join(dir, 'old'));
  writeFileSync(join(dir, 'old', 'log.json'), '{"old": true}');
  const cases: [string, string][] = [
    [join(dir, 'file'), `${join(dir, 'file')} is a file, not a directory`],
    ['/proc/nope/x', '--out /proc/nope/x: cannot create /proc/nope'],
    [join(dir, 'dirs'), 'weights.safetensors is a directory, where the run would write its weights.safetensors'],
    [join(dir, 'old'), 'holds an earlier run (log.json); choose another --out, or add --overwrite to replace it'],
  ];
  for (const [out, reason] of cases) {
    const r = cli('train', [...SMALL, '--out', out]);
    expect(r.status, out).toBe(2);
    expect(r.err, out).toContain(reason);
    expect(r.out, out).not.toContain('adapter:');
  }
  expect(readFileSync(join(dir, 'old', 'log.json'), 'utf8')).toBe('{"old": true}'); // untouched
});

test('a batch past the device limit is refused naming the layer, the limit and the batch that fits (exit 4, no numbers)', () => {
  const dir = tmp('limit-');
  const r = cli('train', ['--train-limit', '29128', '--test-limit', '100', '--batch', '29128', '--epochs', '1', '--out', dir]);
  expect(r.status).toBe(4);
  expect(r.err).toMatch(
    /batch 29,128 \(train\): (layer \d+ \(Conv2d\)'s output|the output of layers \d+–\d+ \(Conv2d → [^)]*\)) needs [\d.]+ MiB \([\d,]+ bytes\) in one binding; this adapter allows [\d.]+ MiB \([\d,]+ bytes\) \(maxStorageBufferBindingSize\); the largest batch that fits is [\d,]+/,
  );
  expect(r.out).not.toMatch(/img\/s|images\/s/);
  expect(existsSync(join(dir, 'weights.safetensors'))).toBe(false);
  // A model within the spec's bounds whose activations no batch of 128 can hold (5,000 channels).
  const wide = join(dir, 'wide.json');
  writeFileSync(
    wide,
    JSON.stringify([
      { type: 'Conv2d', in_channels: 1, out_channels: 5000, kernel_size: 3, bias: false },
      { type: 'AdaptiveAvgPool2d', output_size: 1 },
      { type: 'Flatten' },
      { type: 'Linear', in_features: 5000, out_features: 10 },
      { type: 'LogSoftmax', dim: 1 },
    ]),
  );
  const w = cli('train', ['--model', wide, '--train-limit', '256', '--test-limit', '128', '--epochs', '1', '--out', join(dir, 'wide')]);
  expect(w.status).toBe(4);
  expect(w.err).toMatch(
    /batch 128 \(train\): (layer 0 \(Conv2d\)'s output|the output of layers 0–\d+ \(Conv2d[^)]*\)) needs [\d.]+ MiB \([\d,]+ bytes\) in one binding; .* the largest batch that fits is \d+/,
  );
  expect(existsSync(join(dir, 'wide', 'weights.safetensors'))).toBe(false);
  const b = cli('bench', ['--batches', '29128', '--steps', '1', '--warmup', '0']);
  expect(b.status).toBe(4);
  expect(b.err).toMatch(/the largest batch that fits is [\d,]+/);
  expect(b.out).not.toMatch(/images\/s/);
});

test('a run whose update would overflow stops with exit 3, names the value, and saves no unfinished epoch', () => {
  const dir = tmp('nan-');
  const r = cli('train', [
    '--train-limit',
    '1024',
    '--test-limit',
    '128',
    '--epochs',
    '1',
    '--batch',
    '64',
    '--lr',
    '100',
    '--schedule',
    'constant',
    '--out',
    dir,
  ]);
  expect(r.status).toBe(3);
  expect(r.err).toMatch(
    /Training stopped at epoch 1, step \d+ of 16 \(lr 100\): BatchNorm's running statistic \d+\.running_var\[\d+\] would have become NaN\/Inf/,
  );
  const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
  expect(log.status).toBe('nonfinite');
  expect(log.epochs).toEqual([]);
  expect(log.weights).toBeNull();
  expect(existsSync(join(dir, 'weights.safetensors'))).toBe(false);
});

test('--init refuses weights holding NaN or Inf, naming the tensor', () => {
  const dir = tmp('init-');
  const good = cli('train', [...SMALL, '--out', join(dir, 'a')]);
  expect(good.status, good.err).toBe(0);
  const f = readSafetensors(readFileSync(join(dir, 'a', 'weights.safetensors')));
  f.tensors['4.weight'].data[3] = Infinity;
  writeFileSync(join(dir, 'bad.safetensors'), writeSafetensors(f.tensors, {}, f.metadata));
  const r = cli('train', [...SMALL, '--init', join(dir, 'bad.safetensors'), '--out', join(dir, 'b')]);
  expect(r.status).toBe(2);
  expect(r.err).toContain('4.weight: value 3 is Infinity; weights must be finite');
});

test('gradcheck reports a malformed fixture as one FAIL line and goes on to the next', () => {
  const dir = tmp('gc-');
  const fx = JSON.parse(readFileSync('fixtures/gradients/relu.json', 'utf8'));
  writeFileSync(join(dir, 'a-null-tol.json'), JSON.stringify({ ...fx, tolerance: null }));
  writeFileSync(join(dir, 'b-null-data.json'), JSON.stringify({ ...fx, input: { ...fx.input, data: fx.input.data.map(() => null) } }));
  writeFileSync(join(dir, 'c-not-json.json'), '{');
  const r = cli('gradcheck', [join(dir, 'a-null-tol.json'), join(dir, 'b-null-data.json'), join(dir, 'c-not-json.json'), 'fixtures/gradients/relu.json']);
  expect(r.status).toBe(1);
  const lines = r.out.split('\n').filter((l) => /^(PASS|FAIL)/.test(l));
  expect(lines).toHaveLength(4);
  expect(lines[0]).toContain('tolerance: needs non-negative "abs" and "rel", got null');
  expect(lines[1]).toContain('input.data: must be a flat list of numbers');
  expect(lines[2]).toMatch(/^FAIL .*c-not-json.json: cannot read JSON/);
  expect(lines[3]).toMatch(/^PASS /);
  expect(r.out).toContain('1/4 fixtures pass');
});

/** Start a train run in the background; resolves when `ready(dir)` holds, or rejects after `ms`. */
function startTrain(args: string[], env: Record<string, string> = {}) {
  const child = spawn('node', ['dist-node/train.js', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, exited, err: () => err };
}

async function until(cond: () => boolean, ms: number, what: string) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The directory holds a consistent last finished epoch: the log names the weights beside it. */
function expectConsistent(dir: string, epochs: number) {
  const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
  const bytes = readFileSync(join(dir, 'weights.safetensors'));
  expect(log.epochs).toHaveLength(epochs);
  expect(log.weights).toEqual({ file: 'weights.safetensors', epoch: epochs, sha256: sha(bytes) });
  expect(readSafetensors(bytes).metadata.epoch).toBe(String(epochs));
}

test('SIGKILL mid-training leaves the last finished epoch whole; a second run into the same --out is refused while the first runs', async () => {
  const dir = tmp('kill-');
  const run = startTrain(['--train-limit', '512', '--test-limit', '128', '--epochs', '50', '--batch', '64', '--out', dir]);
  await until(() => existsSync(join(dir, 'weights.safetensors')), 200_000, 'the first epoch');
  const second = cli('train', [...SMALL, '--out', dir, '--overwrite']);
  expect(second.status).toBe(2);
  expect(second.err).toContain(`--out ${dir} is in use by another training run (pid ${run.child.pid})`);
  run.child.kill('SIGKILL');
  await run.exited;
  const log = JSON.parse(readFileSync(join(dir, 'log.json'), 'utf8'));
  expect(log.status).toBe('running'); // it never finished
  expectConsistent(dir, log.epochs.length);
  // The stale lock of the killed run is taken over; --overwrite replaces the old run.
  const next = cli('train', [...SMALL, '--out', dir, '--overwrite']);
  expect(next.status, next.err).toBe(0);
  expectConsistent(dir, 1);
  expect(readdirSync(dir).sort()).toEqual(['init.safetensors', 'log.json', 'weights.safetensors']);
});

test('SIGKILL during the weights write leaves the previous complete file and a log that names it', async () => {
  const dir = tmp('killw-');
  // Every weights write holds its finished temporary file 3 s before the rename.
  const run = startTrain(['--train-limit', '256', '--test-limit', '128', '--epochs', '3', '--batch', '64', '--out', dir], {
    TRAIN_TEST_PAUSE_BEFORE_RENAME_MS: '3000',
  });
  const tmpFile = () => readdirSync(dir).some((f) => f.startsWith('weights.safetensors.tmp-'));
  await until(() => existsSync(join(dir, 'weights.safetensors')), 200_000, "epoch 1's weights");
  await until(tmpFile, 200_000, "epoch 2's weights write");
  run.child.kill('SIGKILL');
  await run.exited;
  expect(tmpFile()).toBe(true); // killed mid-write
  expectConsistent(dir, 1); // epoch 1's file, whole, and the log that names it
  // A later run into the directory takes over the stale lock and removes the orphaned temporary file.
  const next = cli('train', [...SMALL, '--out', dir, '--overwrite']);
  expect(next.status, next.err).toBe(0);
  expect(readdirSync(dir).sort()).toEqual(['init.safetensors', 'log.json', 'weights.safetensors']);
  expectConsistent(dir, 1);
});
