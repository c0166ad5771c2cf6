// Layer names (a pasted model's module paths) as state_dict prefixes, and the specs whose names no
// PyTorch Net could have, each refused with the exact reason.
import { describe, expect, it } from 'vitest';
import { parseSpec, stateDefs, type LayerSpec } from '../src/engine/spec';

const conv = (name?: string, inC = 1): LayerSpec => ({ type: 'Conv2d', in_channels: inC, out_channels: 2, kernel_size: 3, ...(name ? { name } : {}) });
const relu = (name?: string): LayerSpec => ({ type: 'ReLU', ...(name ? { name } : {}) });

describe('layer names', () => {
  it('key the state_dict by name, leave unnamed specs keyed by index, and name buffers too', () => {
    const named = parseSpec([conv('block.0'), { type: 'BatchNorm2d', num_features: 2, name: 'block.1' }, relu(), conv('out', 2)], [1, 28, 28]);
    const d = stateDefs(named);
    expect([...d.params, ...d.buffers].map((t) => t.key)).toEqual([
      'block.0.weight',
      'block.0.bias',
      'block.1.weight',
      'block.1.bias',
      'out.weight',
      'out.bias',
      'block.1.running_mean',
      'block.1.running_var',
    ]);
    expect(stateDefs(parseSpec([conv(), relu(), conv(undefined, 2)], [1, 28, 28])).params.map((t) => t.key)).toEqual([
      '0.weight',
      '0.bias',
      '2.weight',
      '2.bias',
    ]);
  });

  it.each<[string, LayerSpec[], string]>([
    [
      'not a module path',
      [conv('conv-1')],
      'layer 0 (Conv2d): name "conv-1" is not a module path; it is an attribute name, then nn.Sequential indices, e.g. "convblock1.0" or "fc"',
    ],
    [
      'not a string',
      [{ ...conv(), name: 3 }],
      'layer 0 (Conv2d): name 3 is not a module path; it is an attribute name, then nn.Sequential indices, e.g. "convblock1.0" or "fc"',
    ],
    ['reserved', [conv('forward')], 'layer 0 (Conv2d): name "forward" cannot be a module attribute ("forward" is reserved in Python or nn.Module)'],
    ['twice', [conv('a'), conv('a', 2)], `layer 1 (Conv2d): name "a" is also layer 0's; names must be unique`],
    [
      'unnamed parameters among named',
      [conv('a'), conv(undefined, 2)],
      'layer 1 (Conv2d) has parameters but no "name", while other layers are named; name every layer with parameters (its state_dict prefix), or none',
    ],
    [
      'a module in two places',
      [conv('a.0'), relu(), conv('a.1', 2)],
      'layer 2 (Conv2d): "a.1" continues module "a" after other layers; a module\'s layers must be consecutive (it is called once in forward), and "a" ended at layer 0',
    ],
    ['indices out of order', [conv('a.0'), relu('a.2')], 'layer 1 (ReLU): "a.2" should be "a.1": an nn.Sequential numbers its layers 0, 1, 2, … in order'],
    ['not starting at 0', [conv('a.1')], 'layer 0 (Conv2d): "a.1" should be "a.0": an nn.Sequential numbers its layers 0, 1, 2, … in order'],
    ['a layer and a container', [conv('a'), relu('a.0')], 'layer 1 (ReLU): "a.0" puts a layer inside "a", which is layer 0 itself'],
  ])('refuses %s', (_, spec, message) => {
    expect(() => parseSpec(spec, [1, 28, 28])).toThrow(message);
  });
});
