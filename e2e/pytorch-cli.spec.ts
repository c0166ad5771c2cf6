// npm run train -- --model model.py: a PyTorch Net read as Paste PyTorch reads it, trained, its
// weights saved under the pasted module names; a model.py outside the subset refused (status 2)
// with the file, line, column and construct before any GPU work.
import { expect, test } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../src/engine/safetensors';
import { cli } from './cli-run';

const NET = `import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.convblock1 = nn.Sequential(nn.Conv2d(1, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU())
        self.pool1 = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(676, 10)

    def forward(self, x):
        x = self.pool1(self.convblock1(x))
        x = x.view(-1, 676)
        return F.log_softmax(self.fc(x), dim=1)
`;

test.beforeAll(() => {
  expect(existsSync('dist-node/train.js'), 'run `npm run build:node` first').toBe(true);
});

test('train --model model.py trains the pasted Net and saves its weights under its own state_dict names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pymodel-'));
  writeFileSync(join(dir, 'model.py'), NET);
  const r = cli('train', [
    '--model',
    join(dir, 'model.py'),
    '--train-limit',
    '256',
    '--test-limit',
    '128',
    '--epochs',
    '1',
    '--batch',
    '64',
    '--out',
    join(dir, 'out'),
  ]);
  expect(r.status, r.err).toBe(0);
  expect(r.out).toContain('model: 6814 parameters');
  const f = readSafetensors(readFileSync(join(dir, 'out', 'weights.safetensors')));
  expect(Object.keys(f.tensors).sort()).toEqual([
    'convblock1.0.weight',
    'convblock1.1.bias',
    'convblock1.1.running_mean',
    'convblock1.1.running_var',
    'convblock1.1.weight',
    'fc.bias',
    'fc.weight',
  ]);
  expect(f.ints['convblock1.1.num_batches_tracked']).toEqual([4]);
  expect(JSON.parse(f.metadata.model)[0]).toEqual({ type: 'Conv2d', name: 'convblock1.0', in_channels: 1, out_channels: 4, kernel_size: 3, bias: false });
});

test('train --model refuses a model.py outside the subset with its line, column and construct, before any work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pymodel-'));
  const file = join(dir, 'model.py');
  writeFileSync(file, NET.replace('x = x.view(-1, 676)', 'x = x.view(-1, 676) + x'));
  const r = cli('train', ['--model', file, '--out', join(dir, 'out')]);
  expect(r.status).toBe(2);
  expect(r.err).toContain(`train: ${file}: line 13, column 13: x.view(…) + x: binary operator "+" is not supported (a skip connection?)`);
  expect(r.out).not.toContain('adapter:');
  expect(existsSync(join(dir, 'out'))).toBe(false);
});
