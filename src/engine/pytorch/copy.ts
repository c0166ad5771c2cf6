// Copy as PyTorch: a spec → model.py with a `Net` whose state_dict names are our export names, so
// Net().load_state_dict(<our safetensors>, strict=True) works and forward returns log-probabilities.
// A spec without layer names becomes `class Net(nn.Sequential)` (names "0.weight", …, as a plain
// nn.Sequential has them); a named one becomes `class Net(nn.Module)` with its nn.Sequential blocks
// assigned in __init__ and called in forward, unnamed layers written as functions between them.
// Paste PyTorch (parse.ts) reads both back to the same spec.
import { countParams, parseSpec, type LayerInfo, type LayerSpec } from '../spec';
import type { Shape } from '../tensor';
import { MODULES, POSITIONAL } from './api';

type Value = unknown;

/** A value as Python source. */
function py(v: Value): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `(${v.map(py).join(', ')}${v.length === 1 ? ',' : ''})`;
  throw new Error(`cannot write ${JSON.stringify(v)} as Python`);
}

/** Arguments in PyTorch's order: the first `positional` by position, the rest as keywords. */
function argList(l: LayerSpec, params: string[], positional: number): string[] {
  const out: string[] = [];
  let byPosition = true;
  params.forEach((p, i) => {
    if (!(p in l)) {
      byPosition = false;
      return;
    }
    out.push(byPosition && i < positional ? py(l[p]) : `${p}=${py(l[p])}`);
  });
  return out;
}

function moduleCall(l: LayerSpec): string {
  return `nn.${l.type}(${argList(l, MODULES[l.type], POSITIONAL[l.type] ?? 0).join(', ')})`;
}

/** An unnamed, parameter-free layer as a function of x. */
function functionCall(l: LayerSpec, x: string): string {
  switch (l.type) {
    case 'ReLU':
      return `F.relu(${x})`;
    case 'Sigmoid':
      return `torch.sigmoid(${x})`;
    case 'MaxPool2d':
      return `F.max_pool2d(${[x, ...argList(l, ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'return_indices'], 1)].join(', ')})`;
    case 'AvgPool2d':
      return `F.avg_pool2d(${[x, ...argList(l, ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'], 1)].join(', ')})`;
    case 'AdaptiveAvgPool2d':
      return `F.adaptive_avg_pool2d(${x}, ${py(l.output_size)})`;
    case 'Flatten':
      return `torch.flatten(${x}, 1)`;
    case 'Dropout2d':
      return `F.dropout2d(${[x, ...argList(l, ['p'], 0), 'training=self.training'].join(', ')})`;
    case 'Dropout':
      return `F.dropout(${[x, ...argList(l, ['p'], 0), 'training=self.training'].join(', ')})`;
    case 'LogSoftmax':
      return `F.log_softmax(${x}, dim=${py(l.dim)})`;
  }
  throw new Error(`layer type ${l.type} has no function form`);
}

const indent = (s: string, n: number) => s.replace(/^/gm, ' '.repeat(n));

/** Layers sharing the module path `path` (depth segments) → the nn expression for it. */
function tree(items: LayerSpec[], depth: number): string {
  if (items.length === 1 && (items[0].name as string).split('.').length === depth) return moduleCall(items[0]);
  const children: string[] = [];
  for (let i = 0; i < items.length;) {
    const seg = (items[i].name as string).split('.')[depth];
    let j = i;
    while (j < items.length && (items[j].name as string).split('.')[depth] === seg) j++;
    children.push(tree(items.slice(i, j), depth + 1));
    i = j;
  }
  return `nn.Sequential(\n${indent(children.join(',\n'), 4)},\n)`;
}

/** model.py for a spec (validated here; a spec that does not parse throws its SpecError). */
export function copyPyTorch(spec: LayerSpec[], inShape: Shape = [1, 28, 28]): string {
  const infos: LayerInfo[] = parseSpec(spec, inShape);
  const params = countParams(infos).toLocaleString('en-US');
  const named = spec.some((l) => l.name !== undefined);
  const doc = `"""${params} parameters; forward returns log-probabilities. Loads the notebook's .safetensors with load_state_dict(strict=True)."""`;
  if (!named)
    return [
      'import torch.nn as nn',
      '',
      '',
      'class Net(nn.Sequential):',
      `    ${doc}`,
      '',
      '    def __init__(self):',
      '        super().__init__(',
      indent(spec.map(moduleCall).join(',\n'), 12) + ',',
      '        )',
      '',
    ].join('\n');
  const init: string[] = [];
  const forward: string[] = [];
  for (let i = 0; i < spec.length;) {
    const name = spec[i].name as string | undefined;
    if (name === undefined) {
      forward.push(functionCall(spec[i], 'x'));
      i++;
      continue;
    }
    const head = name.split('.')[0];
    let j = i;
    while (j < spec.length && (spec[j].name as string | undefined)?.split('.')[0] === head) j++;
    init.push(`self.${head} = ${tree(spec.slice(i, j), 1)}`);
    forward.push(`self.${head}(x)`);
    i = j;
  }
  return [
    'import torch',
    'import torch.nn as nn',
    'import torch.nn.functional as F',
    '',
    '',
    'class Net(nn.Module):',
    `    ${doc}`,
    '',
    '    def __init__(self):',
    '        super().__init__()',
    indent(init.join('\n'), 8),
    '',
    '    def forward(self, x):',
    ...forward.map((f, k) => `        ${k === forward.length - 1 ? 'return' : 'x ='} ${f}`),
    '',
  ].join('\n');
}
