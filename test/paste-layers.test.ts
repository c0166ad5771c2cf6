// Paste PyTorch and Copy as PyTorch for the general MaxPool2d (stride, padding), GroupNorm and
// LayerNorm: positional and keyword forms read into the spec, copied back to the same spec, and
// bad arguments refused naming line, column, layer and field.
import { describe, expect, it } from 'vitest';
import { copyPyTorch } from '../src/engine/pytorch/copy';
import { pastePyTorch } from '../src/engine/pytorch/parse';
import type { LayerSpec } from '../src/engine/spec';

/** A Net whose first block is `block` (at line 7), then Flatten, Linear(features → 10), log_softmax. */
const net = (block: string, features: number, fn = '') =>
  'import torch.nn as nn\nimport torch.nn.functional as F\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
  `        self.block = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), ${block})\n` +
  `        self.fc = nn.Linear(${features}, 10)\n\n    def forward(self, x):\n        x = self.block(x)\n` +
  (fn ? `        x = ${fn}\n` : '') +
  `        x = x.view(-1, ${features})\n        return F.log_softmax(self.fc(x), dim=1)\n`;

const conv = { type: 'Conv2d', name: 'block.0', in_channels: 1, out_channels: 16, kernel_size: 3, padding: 1 };
const tail = (features: number): LayerSpec[] => [
  { type: 'Flatten' },
  { type: 'Linear', name: 'fc', in_features: features, out_features: 10 },
  { type: 'LogSoftmax', dim: 1 },
];

function roundTrip(text: string, want: LayerSpec[]) {
  const spec = pastePyTorch(text);
  expect(spec).toEqual(want);
  expect(pastePyTorch(copyPyTorch(spec))).toEqual(spec);
  return spec;
}

function refusal(text: string): string | undefined {
  try {
    pastePyTorch(text);
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

describe('MaxPool2d with stride and padding, pasted and copied', () => {
  it.each([
    ['nn.MaxPool2d(3, 2, 1)', { kernel_size: 3, stride: 2, padding: 1 }, 'nn.MaxPool2d(3, stride=2, padding=1)'],
    ['nn.MaxPool2d(kernel_size=3, stride=2, padding=1)', { kernel_size: 3, stride: 2, padding: 1 }, 'nn.MaxPool2d(3, stride=2, padding=1)'],
    [
      'nn.MaxPool2d((3, 3), stride=(2, 2), padding=(1, 1))',
      { kernel_size: [3, 3], stride: [2, 2], padding: [1, 1] },
      'nn.MaxPool2d((3, 3), stride=(2, 2), padding=(1, 1))',
    ],
  ])('%s', (block, args, copied) => {
    const spec = roundTrip(net(block, 16 * 14 * 14), [conv, { type: 'MaxPool2d', name: 'block.1', ...args }, ...tail(16 * 14 * 14)]);
    expect(copyPyTorch(spec)).toContain(`            ${copied},\n`);
  });
  it('reads F.max_pool2d(x, 2, stride=1) between modules and writes it back', () => {
    const spec = roundTrip(net('nn.ReLU()', 16 * 27 * 27, 'F.max_pool2d(x, 2, stride=1)'), [
      conv,
      { type: 'ReLU', name: 'block.1' },
      { type: 'MaxPool2d', kernel_size: 2, stride: 1 },
      ...tail(16 * 27 * 27),
    ]);
    expect(copyPyTorch(spec)).toContain('        x = F.max_pool2d(x, 2, stride=1)\n');
  });
  it.each([
    ['nn.MaxPool2d(3, 2, 2)', 'line 7, column 68: nn.MaxPool2d: layer 1 (MaxPool2d "block.1"): padding 2 must be at most half the kernel (PyTorch\'s rule)'],
    ['nn.MaxPool2d(3, 2, 1, dilation=2)', 'line 7, column 68: nn.MaxPool2d: layer 1 (MaxPool2d "block.1"): dilation = 2 is not supported (only dilation 1)'],
    ['nn.MaxPool2d(3, 2, 1, ceil_mode=True)', 'line 7, column 68: nn.MaxPool2d: layer 1 (MaxPool2d "block.1"): ceil_mode = true is not supported (only false)'],
  ])('refuses %s', (block, message) => {
    expect(refusal(net(block, 16 * 14 * 14))).toBe(message);
  });
});
