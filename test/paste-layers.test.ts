// Paste PyTorch and Copy as PyTorch for the general MaxPool2d (stride, padding), GroupNorm and
// LayerNorm: positional and keyword forms read into the spec, copied back to the same spec, and
// bad arguments refused naming line, column, layer and field.
import { describe, expect, it } from 'vitest';
import { copyPyTorch } from '../src/engine/pytorch/copy';
import { pastePyTorch } from '../src/engine/pytorch/parse';
import type { LayerSpec } from '../src/engine/spec';

/** A Net whose first block is `first` (a conv 1→16, 3×3, padding 1), then `block` (at line 7), then Flatten, Linear(features → 10), log_softmax. */
const net = (block: string, features: number, fn = '', first = 'nn.Conv2d(1, 16, 3, padding=1)') =>
  'import torch.nn as nn\nimport torch.nn.functional as F\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
  `        self.block = nn.Sequential(${first}, ${block})\n` +
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

describe('GroupNorm and LayerNorm, pasted and copied', () => {
  it.each([
    ['nn.GroupNorm(2, 16)', { num_groups: 2, num_channels: 16 }, 'nn.GroupNorm(2, 16)'],
    ['nn.GroupNorm(num_groups=4, num_channels=16, eps=1e-3)', { num_groups: 4, num_channels: 16, eps: 1e-3 }, 'nn.GroupNorm(4, 16, eps=0.001)'],
    ['nn.GroupNorm(16, 16, affine=False)', { num_groups: 16, num_channels: 16, affine: false }, 'nn.GroupNorm(16, 16, affine=False)'],
  ])('%s', (block, args, copied) => {
    const spec = roundTrip(net(block, 16 * 28 * 28), [conv, { type: 'GroupNorm', name: 'block.1', ...args }, ...tail(16 * 28 * 28)]);
    expect(copyPyTorch(spec)).toContain(`            ${copied},\n`);
  });

  it.each([
    ['nn.LayerNorm([10, 8, 8])', { normalized_shape: [10, 8, 8] }, 'nn.LayerNorm((10, 8, 8))'],
    [
      'nn.LayerNorm((10, 8, 8), eps=1e-6, elementwise_affine=False)',
      { normalized_shape: [10, 8, 8], eps: 1e-6, elementwise_affine: false },
      'nn.LayerNorm((10, 8, 8), eps=0.000001, elementwise_affine=False)',
    ],
  ])('%s after a conv, its weight shaped [10, 8, 8]', (ln, args, copied) => {
    const spec = roundTrip(net(`nn.MaxPool2d(3), ${ln}`, 640, '', 'nn.Conv2d(1, 10, 5), nn.ReLU()'), [
      { type: 'Conv2d', name: 'block.0', in_channels: 1, out_channels: 10, kernel_size: 5 },
      { type: 'ReLU', name: 'block.1' },
      { type: 'MaxPool2d', name: 'block.2', kernel_size: 3 },
      { type: 'LayerNorm', name: 'block.3', ...args },
      ...tail(640),
    ]);
    expect(copyPyTorch(spec)).toContain(`            ${copied},\n`);
  });

  it('reads nn.LayerNorm(32) between Linear layers (the 1-D case after Flatten)', () => {
    const text =
      'import torch.nn as nn\nimport torch.nn.functional as F\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n' +
      '        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(784, 32), nn.LayerNorm(32), nn.ReLU(), nn.Linear(32, 10))\n\n' +
      '    def forward(self, x):\n        return F.log_softmax(self.fc(x), dim=1)\n';
    const spec = roundTrip(text, [
      { type: 'Flatten', name: 'fc.0' },
      { type: 'Linear', name: 'fc.1', in_features: 784, out_features: 32 },
      { type: 'LayerNorm', name: 'fc.2', normalized_shape: 32 },
      { type: 'ReLU', name: 'fc.3' },
      { type: 'Linear', name: 'fc.4', in_features: 32, out_features: 10 },
      { type: 'LogSoftmax', dim: 1 },
    ]);
    expect(copyPyTorch(spec)).toContain('            nn.LayerNorm(32),\n');
  });

  it.each([
    ['nn.GroupNorm(3, 16)', 16 * 28 * 28, 'line 7, column 68: nn.GroupNorm: layer 1 (GroupNorm "block.1"): num_channels 16 is not divisible by num_groups 3'],
    [
      'nn.LayerNorm([28, 28])',
      16 * 28 * 28,
      'line 7, column 68: nn.LayerNorm: layer 1 (LayerNorm "block.1"): normalized_shape [28, 28] is not the whole shape of its input, [16, 28, 28] from layer 0 (Conv2d); the engine normalizes over all of it: normalized_shape [16, 28, 28]',
    ],
    [
      'nn.GroupNorm(2, 16, momentum=0.1)',
      16 * 28 * 28,
      'line 7, column 88: keyword "momentum" of nn.GroupNorm: unknown; it takes num_groups, num_channels, eps, affine',
    ],
  ])('refuses %s', (block, features, message) => {
    expect(refusal(net(block, features))).toBe(message);
  });
});
