// Paste PyTorch and Copy as PyTorch: the S5 notebook's model and every preset written as a student
// would, read into the spec with their module names; paste(copy(spec)) = spec for every preset;
// each construct outside the subset refused with its line, column and the exact reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyPyTorch } from '../src/engine/pytorch/copy';
import { pastePyTorch } from '../src/engine/pytorch/parse';
import { parseSpec, stateDefs, type LayerSpec } from '../src/engine/spec';
import era17130 from '../src/models/era-17130.json';
import era17640 from '../src/models/era-17640.json';
import era18962 from '../src/models/era-18962.json';
import era7918 from '../src/models/era-7918.json';
import { PRESETS } from '../src/models/presets';
import s5 from '../src/models/s5.json';

const source = (f: string) => readFileSync(join(__dirname, 'pytorch', f), 'utf8');
const keys = (spec: LayerSpec[]) => {
  const d = stateDefs(parseSpec(spec, [1, 28, 28]));
  return [...d.params, ...d.buffers].map((t) => t.key);
};

describe('Paste PyTorch', () => {
  it("reads the S5 notebook's Net (super(Net, self), F.relu(x, 2), view(-1, 4096)) into s5.json, keeping its module names", () => {
    const got = pastePyTorch(source('s5-model.py'));
    expect(got.map(({ name: _, ...l }) => l)).toEqual(s5);
    expect(got.map((l) => l.name ?? null)).toEqual(['conv1', null, 'conv2', null, null, 'conv3', null, 'conv4', null, null, null, 'fc1', null, 'fc2', null]);
    // The names PyTorch's Net().state_dict() has for this class.
    expect(keys(got).sort()).toEqual(['conv1', 'conv2', 'conv3', 'conv4', 'fc1', 'fc2'].flatMap((m) => [`${m}.weight`, `${m}.bias`]).sort());
  });

  it.each([
    ['era-18962.py', era18962, 'conv1.0.bias', 'fc2.weight'],
    ['era-17130.py', era17130, 'transition.0.bias', 'convblock3.6.running_var'],
    ['era-17640.py', era17640, 'convblock1.0.weight', 'convblock2.2.running_var'],
    ['era-7918.py', era7918, 'convblock3.0.weight', 'convblock2.17.running_mean'],
  ])('reads the course-style %s (nn.Sequential blocks, a constant, view(-1, 10), log_softmax(dim=-1)) into its preset', (file, preset, k1, k2) => {
    const got = pastePyTorch(source(file));
    expect(got).toEqual(preset);
    expect(keys(got)).toContain(k1);
    expect(keys(got)).toContain(k2);
  });

  it('reads a bare nn.Sequential expression (state_dict names 0.weight, …) and other import spellings', () => {
    const text = 'from torch import nn\nmodel = nn.Sequential(\n    nn.Flatten(),  # 784\n    nn.Linear(784, 10, bias=False),\n    nn.LogSoftmax(dim=1),\n)\n';
    const got = pastePyTorch(text);
    expect(got).toEqual([{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10, bias: false }, { type: 'LogSoftmax', dim: 1 }]);
    expect(keys(got)).toEqual(['1.weight']);
    const aliased =
      'import torch\nimport torch.nn as tnn\nfrom torch.nn import functional as fn\nclass M(tnn.Module):\n  def __init__(self):\n    super(M, self).__init__()\n    self.b = tnn.Sequential(tnn.Conv2d(1, 4, 3), tnn.Sequential(tnn.ReLU(), tnn.MaxPool2d(2)))\n  def forward(self, x):\n    x = fn.dropout(self.b(x), p=0.2, training=self.training)\n    return fn.log_softmax(torch.flatten(x, 1), 1)\n';
    const ok = aliased
      .replace('return fn.log_softmax(torch.flatten(x, 1), 1)', 'x = x.view(x.size(0), -1)\n    return fn.log_softmax(x, dim=1)')
      .replace('tnn.MaxPool2d(2)', 'tnn.MaxPool2d(2), tnn.AdaptiveAvgPool2d(1)');
    expect(pastePyTorch(ok)).toEqual([
      { type: 'Conv2d', name: 'b.0', in_channels: 1, out_channels: 4, kernel_size: 3 },
      { type: 'ReLU', name: 'b.1.0' },
      { type: 'MaxPool2d', name: 'b.1.1', kernel_size: 2 },
      { type: 'AdaptiveAvgPool2d', name: 'b.1.2', output_size: 1 },
      { type: 'Dropout', p: 0.2 },
      { type: 'Flatten' },
      { type: 'LogSoftmax', dim: 1 },
    ]);
  });
  it('reads F.avg_pool2d and F.dropout2d(…, training=self.training) between modules, and Copy writes them back', () => {
    const text = net(
      'self.conv1 = nn.Conv2d(1, 4, 3)\nself.fc = nn.Linear(324, 10)',
      'x = F.dropout2d(self.conv1(x), 0.1, training=self.training)\nx = F.avg_pool2d(x, 3, stride=3, padding=1, count_include_pad=False)\nx = x.view(-1, 324)\nreturn F.log_softmax(self.fc(x), dim=1)',
    );
    const spec = pastePyTorch(text);
    expect(spec.slice(1, 3)).toEqual([
      { type: 'Dropout2d', p: 0.1 },
      { type: 'AvgPool2d', kernel_size: 3, stride: 3, padding: 1, count_include_pad: false },
    ]);
    const py = copyPyTorch(spec);
    expect(py).toContain(
      '        x = F.dropout2d(x, p=0.1, training=self.training)\n        x = F.avg_pool2d(x, 3, stride=3, padding=1, count_include_pad=False)\n',
    );
    expect(pastePyTorch(py)).toEqual(spec);
  });
});

describe('Conv2d stride, dilation, groups and padding_mode, both ways', () => {
  const text = net(
    "self.conv1 = nn.Conv2d(1, 8, 3, stride=2, dilation=2, padding_mode='zeros')\nself.dw = nn.Conv2d(8, 8, (3, 3), 1, 1, 1, 8, False)\nself.fc = nn.Linear(1152, 10)",
    'x = F.relu(self.conv1(x))\nx = self.dw(x)\nx = x.view(-1, 1152)\nreturn F.log_softmax(self.fc(x), dim=1)',
  );
  it('reads them by keyword and by position into the spec, and Copy writes them back (paste(copy(spec)) = spec)', () => {
    const spec = pastePyTorch(text);
    expect(spec.slice(0, 3)).toEqual([
      { type: 'Conv2d', name: 'conv1', in_channels: 1, out_channels: 8, kernel_size: 3, stride: 2, dilation: 2, padding_mode: 'zeros' },
      { type: 'ReLU' },
      { type: 'Conv2d', name: 'dw', in_channels: 8, out_channels: 8, kernel_size: [3, 3], stride: 1, padding: 1, dilation: 1, groups: 8, bias: false },
    ]);
    expect(stateDefs(parseSpec(spec, [1, 28, 28])).params.map((p) => [p.key, p.shape])).toEqual([
      ['conv1.weight', [8, 1, 3, 3]],
      ['conv1.bias', [8]],
      ['dw.weight', [8, 1, 3, 3]],
      ['fc.weight', [10, 1152]],
      ['fc.bias', [10]],
    ]);
    const py = copyPyTorch(spec);
    expect(py).toContain("        self.conv1 = nn.Conv2d(1, 8, 3, stride=2, dilation=2, padding_mode='zeros')\n");
    expect(py).toContain('        self.dw = nn.Conv2d(8, 8, (3, 3), stride=1, padding=1, dilation=1, groups=8, bias=False)\n');
    expect(pastePyTorch(py)).toEqual(spec);
    const plain = spec.map(({ name: _, ...l }) => l);
    expect(pastePyTorch(copyPyTorch(plain))).toEqual(plain);
  });
});

describe("Conv2d padding='same' and 'valid', both ways", () => {
  it('reads the strings into the spec, keeps H×W with "same", and Copy writes them back as strings', () => {
    const spec = pastePyTorch(
      net(
        "self.conv1 = nn.Conv2d(1, 8, 3, padding='same')\nself.conv2 = nn.Conv2d(8, 4, 5, 1, 'valid')\nself.fc = nn.Linear(2304, 10)",
        'x = F.relu(self.conv1(x))\nx = self.conv2(x)\nx = x.view(-1, 2304)\nreturn F.log_softmax(self.fc(x), dim=1)',
      ),
    );
    expect(spec.slice(0, 3)).toEqual([
      { type: 'Conv2d', name: 'conv1', in_channels: 1, out_channels: 8, kernel_size: 3, padding: 'same' },
      { type: 'ReLU' },
      { type: 'Conv2d', name: 'conv2', in_channels: 8, out_channels: 4, kernel_size: 5, stride: 1, padding: 'valid' },
    ]);
    expect(parseSpec(spec, [1, 28, 28]).map((l) => l.outShape)).toEqual([[8, 28, 28], [8, 28, 28], [4, 24, 24], [2304], [10], [10]]);
    const py = copyPyTorch(spec);
    expect(py).toContain("        self.conv1 = nn.Conv2d(1, 8, 3, padding='same')\n");
    expect(py).toContain("        self.conv2 = nn.Conv2d(8, 4, 5, stride=1, padding='valid')\n");
    expect(pastePyTorch(py)).toEqual(spec);
  });
});

describe('Copy as PyTorch', () => {
  it.each(PRESETS.map((p) => [p.id, p.spec] as const))('paste(copy(%s)) = the preset', (_, spec) => {
    expect(pastePyTorch(copyPyTorch(spec))).toEqual(spec);
  });

  it('writes an unnamed spec as class Net(nn.Sequential) and a named one as nn.Module blocks with functions between', () => {
    const plain = copyPyTorch([{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 10 }, { type: 'LogSoftmax', dim: 1 }]);
    expect(plain).toContain('class Net(nn.Sequential):');
    expect(plain).toContain('            nn.Flatten(),\n            nn.Linear(784, 10),\n            nn.LogSoftmax(dim=1),\n        )');
    const named = copyPyTorch(pastePyTorch(source('s5-model.py')));
    expect(named).toContain('        self.conv1 = nn.Conv2d(1, 32, 3)\n');
    expect(named).toContain('        x = F.max_pool2d(x, 2)\n');
    expect(named).toContain('        return F.log_softmax(x, dim=1)\n');
  });
});

const net = (init: string, fwd: string) =>
  `import torch.nn as nn\nimport torch.nn.functional as F\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n` +
  init.replace(/^/gm, '        ') +
  '\n\n    def forward(self, x):\n' +
  fwd.replace(/^/gm, '        ') +
  '\n';
const INIT = 'self.conv1 = nn.Conv2d(1, 10, 3)\nself.fc = nn.Linear(6760, 10)';
const FWD = 'x = self.conv1(x)\nx = x.view(-1, 6760)\nx = self.fc(x)\nreturn F.log_softmax(x, dim=1)';
const fwd = (mid: string) => `x = self.conv1(x)\n${mid}\nx = self.fc(x)\nreturn F.log_softmax(x, dim=1)`;

// Every construct outside the subset, and the exact refusal (line, column, construct: why).
const REFUSALS: [string, string, string][] = [
  [
    'skip connection (a second tensor)',
    net(INIT, 'y = self.conv1(x)\nx = x + y\nreturn x'),
    'line 11, column 9: assignment to y: forward passes one tensor, x, through the layers; a second one (a skip connection?) is not supported',
  ],
  [
    'binary operator',
    net(INIT, 'x = self.conv1(x) + x\nreturn x'),
    'line 11, column 13: self.conv1(…) + x: binary operator "+" is not supported (a skip connection?); forward passes one tensor through the layers in order',
  ],
  ['loop', net(INIT, 'for i in range(3):\n    x = self.conv1(x)\nreturn x'), 'line 11, column 9: for loop: not supported in a model definition'],
  ['if statement', net(INIT, 'if True:\n    x = self.conv1(x)\nreturn x'), 'line 11, column 9: if statement: not supported in a model definition'],
  [
    'unknown layer',
    net(INIT.replace('Conv2d', 'Conv3d'), FWD),
    'line 7, column 22: nn.Conv3d: unknown layer; supported: nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.Sigmoid, nn.MaxPool2d, nn.AdaptiveAvgPool2d, nn.AvgPool2d, nn.Flatten, nn.Dropout, nn.Dropout2d, nn.Linear, nn.GroupNorm, nn.LayerNorm, nn.LogSoftmax',
  ],
  [
    'unknown keyword',
    net(INIT.replace('3)', '3, strid=2)'), FWD),
    'line 7, column 42: keyword "strid" of nn.Conv2d: unknown; it takes in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode',
  ],
  [
    'unsupported argument value',
    net(INIT.replace('3)', "3, padding_mode='reflect')"), FWD),
    'line 7, column 22: nn.Conv2d: layer 0 (Conv2d "conv1"): padding_mode = "reflect" is not supported (only "zeros")',
  ],
  [
    'groups that do not divide the channels',
    net(INIT.replace('3)', '3, groups=4)'), FWD),
    'line 7, column 22: nn.Conv2d: layer 0 (Conv2d "conv1"): in_channels = 1 and out_channels = 10 must both be divisible by groups = 4',
  ],
  [
    'a stride whose output does not chain',
    net(INIT.replace('3)', '3, stride=2)'), FWD),
    'line 8, column 19: nn.Linear: layer 2 (Linear "fc"): expects input [6760] (in_features = 6760), but gets [1690] from layer 1 (Flatten)',
  ],
  [
    'shapes that do not chain',
    net(INIT.replace('(1, 10', '(3, 10'), FWD),
    'line 7, column 22: nn.Conv2d: layer 0 (Conv2d "conv1"): expects input [3, H, W] (in_channels = 3), but gets [1, 28, 28] (the model input)',
  ],
  [
    'view of the wrong size',
    net(INIT, fwd('x = x.view(-1, 10)')),
    'line 12, column 13: view(-1, 10): the tensor here is [10, 26, 26] per image, 6760 values, not 10: view would mix images of the batch',
  ],
  [
    'module never called',
    net(INIT + '\nself.conv2 = nn.Conv2d(10, 10, 3)', FWD),
    "line 9, column 9: self.conv2: assigned in __init__ but never called in forward; PyTorch's state_dict would hold its weights",
  ],
  [
    'module called twice',
    net(INIT, 'x = self.conv1(x)\nx = self.conv1(x)\nreturn x'),
    'line 12, column 13: self.conv1: called a second time; a module used twice shares its weights, which is not supported',
  ],
  [
    'F.dropout without training',
    net(INIT, fwd('x = F.dropout(x, 0.1)\nx = x.view(-1, 6760)')),
    'line 12, column 13: F.dropout(…): F.dropout needs training=self.training (otherwise it drops in evaluation too)',
  ],
  ['log_softmax without dim', net(INIT, FWD.replace('dim=1', '')), 'line 14, column 16: F.log_softmax(…): needs dim=1 (or dim=-1): the class dimension'],
  [
    'flatten of the batch',
    net(INIT, fwd('x = torch.flatten(x)')),
    'line 12, column 13: torch.flatten(…): start_dim must be 1 (torch.flatten(x, 1)); flattening from dimension 0 takes in the batch',
  ],
  [
    'unknown function',
    net(INIT, fwd('x = F.gelu(x)\nx = x.view(-1, 6760)')),
    'line 12, column 13: F.gelu: unknown function in forward; supported: self.<module>(x), torch.nn.functional.relu, torch.relu, torch.sigmoid, torch.nn.functional.max_pool2d, torch.nn.functional.avg_pool2d, torch.nn.functional.adaptive_avg_pool2d, torch.nn.functional.log_softmax, torch.nn.functional.dropout, torch.nn.functional.dropout2d, torch.flatten, x.view(-1, N), x.flatten(1)',
  ],
  ['subscript', net(INIT, 'x = self.conv1(x)[0]\nreturn x'), 'line 11, column 26: subscript: indexing and slicing are not supported'],
  [
    'a variable as an argument',
    net(INIT.replace('3)', 'k)'), FWD),
    'line 7, column 39: k: argument kernel_size of nn.Conv2d must be a literal value (a number, True/False/None, a string or a tuple), or a name assigned one before',
  ],
  ['too many arguments', 'nn.Sequential(nn.ReLU(True, 1))', 'line 1, column 29: argument 2 of nn.ReLU: nn.ReLU takes at most 1: inplace'],
  [
    'another method',
    'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n    def helper(self):\n        return 1\n',
    'line 5, column 9: def helper: a Net here has only __init__ and forward',
  ],
  [
    'no super().__init__()',
    'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        self.fc = nn.Linear(784, 10)\n    def forward(self, x):\n        return self.fc(x)\n',
    'line 4, column 9: self.fc: assigned before super().__init__(); PyTorch refuses that',
  ],
  [
    'forward with two inputs',
    'import torch.nn as nn\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(784, 10)\n    def forward(self, x, y):\n        return self.fc(x)\n',
    'line 6, column 9: def forward: it takes self and the one input tensor, def forward(self, x)',
  ],
  [
    'not an nn.Module',
    'import torch.nn as nn\nclass Net(object):\n    pass\n',
    'line 2, column 11: base class object: a model is a subclass of nn.Module (or nn.Sequential)',
  ],
  [
    'other code',
    'import torch.nn as nn\nmodel = nn.Sequential(nn.Flatten(), nn.Linear(784, 10), nn.LogSoftmax(dim=1))\nmodel.to("cuda")\n',
    'line 3, column 1: model.to(…): expected class Net(nn.Module), nn.Sequential(...), an import or a constant',
  ],
  [
    'two models',
    'nn.Sequential(nn.Flatten())\nnn.Sequential(nn.Flatten())\n',
    'line 2, column 1: a second model: one model per paste; the first starts at line 1',
  ],
  ['star import', 'from torch.nn import *\n', 'line 1, column 22: star import: the names it binds are unknown here; write import torch.nn as nn'],
  [
    'nested nn.Sequential in a bare one',
    'nn.Sequential(nn.Sequential(nn.Flatten()), nn.Linear(784, 10))',
    'line 1, column 15: nested nn.Sequential: inside a bare nn.Sequential its weights would be named "0.0.weight"; write the model as a class Net with named blocks',
  ],
  ['unclosed bracket', 'nn.Sequential(nn.ReLU()', 'line 1, column 14: "(": it is never closed'],
  ['nothing', '   \n# nothing\n', 'line 1, column 1: empty text: paste a class Net(nn.Module) or an nn.Sequential(...)'],
];

describe('Paste PyTorch refuses what it does not read, naming line, column and construct', () => {
  it.each(REFUSALS)('%s', (_, text, message) => {
    let err: Error | null = null;
    try {
      pastePyTorch(text);
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toBe(message);
  });
});
