// The bad-input suite, part 1 (Node: parsers, spec, safetensors, checkpoints, device limits, the
// loss kernel's labels, GPU errors). Every case asserts the exact refusal: which field, tensor or
// limit is named and why. Part 2 drives the CLI (e2e/bad-inputs-cli.spec.ts), part 3 the page
// (e2e/bad-inputs-page.spec.ts).
import { describe, expect, it } from 'vitest';
import { LimitError } from '../src/engine/gpu-errors';
import { Model } from '../src/engine/model';
import { openNodeGpu } from '../src/engine/node-gpu';
import { nllLoss } from '../src/engine/ops/loss';
import { Runtime } from '../src/engine/runtime';
import { readSafetensors, writeSafetensors } from '../src/engine/safetensors';
import { classifierError, parseSpec, readSpecText, SPEC_LIMITS } from '../src/engine/spec';
import { checkpointError } from '../src/mnist/checkpoints';
import spec from '../src/models/mnist-default.json';
import { DEFAULT_CONFIG, parseConfig, type RawConfig } from '../src/train/config';
import { encodeWeights, loadWeights } from '../src/train/weights';
import { runtime } from './gpu';
import { kernel } from '../src/engine/kernel';

describe('config strings (CLI argv, URL, form fields): one strict parser', () => {
  const cases: [RawConfig, string, string][] = [
    [{ seed: '' }, 'seed', 'needs a value'],
    [{ momentum: '' }, 'momentum', 'needs a value'],
    [{ trainLimit: '' }, 'trainLimit', 'needs a value'],
    [{ batch: '0x10' }, 'batch', 'must be a plain decimal number, got "0x10"'],
    [{ batch: '16abc' }, 'batch', 'must be a plain decimal number'],
    [{ lr: '1e' }, 'lr', 'must be a plain decimal number'],
    [{ lr: 'Infinity' }, 'lr', 'must be a plain decimal number'],
    [{ epochs: ' ' }, 'epochs', 'needs a value'],
    [{ epochs: '2.5' }, 'epochs', 'must be a whole number from 1 to 1000'],
    [{ epochs: '1e9' }, 'epochs', 'must be a whole number from 1 to 1000'],
    [{ batch: '0' }, 'batch', 'must be a whole number from 1 to 65536'],
    [{ batch: '65537' }, 'batch', 'must be a whole number from 1 to 65536'],
    [{ lr: '0' }, 'lr', 'must be a number in (0, 100]'],
    [{ lr: '1e6' }, 'lr', 'must be a number in (0, 100]'],
    [{ lr: '-1' }, 'lr', 'must be a number in (0, 100]'],
    [{ momentum: '1' }, 'momentum', 'must be a number in [0, 1)'],
    [{ weightDecay: '-0.1' }, 'weightDecay', 'must be a number in [0, 1]'],
    [{ seed: '-1' }, 'seed', 'must be a whole number from 0 to 4294967295'],
    [{ seed: '4294967296' }, 'seed', 'must be a whole number from 0 to 4294967295'],
    [{ trainLimit: '60001' }, 'trainLimit', 'must be a whole number from 1 to 60000'],
    [{ testLimit: '0' }, 'testLimit', 'must be a whole number from 1 to 10000'],
    [{ rotation: '181' }, 'rotation', 'must be a number in [0, 180]'],
    [{ cropP: '1.5' }, 'cropP', 'must be a number in [0, 1]'],
    [{ schedule: 'cosine' }, 'schedule', 'must be onecycle, step or constant, got "cosine"'],
    [{ schedule: '' }, 'schedule', 'must be onecycle, step or constant'],
    [{ schedule: 'step', stepSize: '0' }, 'stepSize', 'must be a whole number from 1 to 1000'],
    [{ schedule: 'step', gamma: '0' }, 'gamma', 'must be a number in (0, 1]'],
    [{ gamma: '0.5' }, 'gamma', 'applies only to the step schedule'],
    [{ stepSize: '3' }, 'stepSize', 'applies only to the step schedule'],
  ];
  for (const [raw, field, message] of cases)
    it(`${JSON.stringify(raw)} → ${field}: ${message}`, () => {
      const r = parseConfig(raw);
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.errors[field as keyof typeof r.errors]).toContain(message);
      expect(Object.keys(r.errors)).toEqual([field]);
    });

  it('good strings parse to the typed config; absent fields take the defaults', () => {
    const r = parseConfig({ epochs: '3', batch: '64', lr: '1e-2', schedule: 'StepLR', stepSize: '2', gamma: '.5', trainLimit: '256' });
    expect(r).toEqual({
      ok: true,
      value: {
        config: { ...DEFAULT_CONFIG, epochs: 3, batch: 64, lr: 0.01, schedule: { type: 'StepLR', step_size: 2, gamma: 0.5 } },
        trainLimit: 256,
        testLimit: undefined,
      },
    });
  });
});

describe('model specs: bounded before parsing, a classifier over 10 classes', () => {
  const relu = { type: 'ReLU' };
  const conv = { type: 'Conv2d', in_channels: 1, out_channels: 8, kernel_size: 3 };
  const cases: [string, () => unknown, string][] = [
    ['text over the size bound', () => readSpecText(' '.repeat(SPEC_LIMITS.chars + 1)), 'is 262,145 characters; a model spec may have at most 262,144'],
    ['nesting past the bound', () => readSpecText('['.repeat(9) + ']'.repeat(9)), 'nests deeper than 8 levels'],
    ['not JSON', () => readSpecText('[{"type": "ReLU"'), 'is not valid JSON'],
    ['30,000 layers', () => parseSpec(Array(30000).fill(relu), [1, 28, 28]), 'has 30,000 layers; at most 256 are supported'],
    [
      'too many parameters',
      () => parseSpec([{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 20000 }], [1, 28, 28]),
      'The model has 15,700,000 parameters; at most 10,000,000',
    ],
    [
      'Conv2d groups that do not divide both channel counts',
      () => parseSpec([{ ...conv, in_channels: 1, out_channels: 8, groups: 2 }], [1, 28, 28]),
      'layer 0 (Conv2d): in_channels = 1 and out_channels = 8 must both be divisible by groups = 2',
    ],
    [
      "Conv2d padding_mode 'reflect'",
      () => parseSpec([{ ...conv, padding_mode: 'reflect' }], [1, 28, 28]),
      'layer 0 (Conv2d): padding_mode = "reflect" is not supported (only "zeros")',
    ],
    [
      'a dilated Conv2d wider than its input',
      () => parseSpec([{ ...conv, dilation: 14 }], [1, 28, 28]),
      'layer 0 (Conv2d): a 3×3 kernel with dilation 14×14, stride 1×1 and padding 0×0 does not fit input [1, 28, 28] (the model input)',
    ],
    [
      'a strided Conv2d whose output does not chain',
      () => parseSpec([{ ...conv, stride: 2 }, { type: 'Flatten' }, { type: 'Linear', in_features: 5408, out_features: 10 }], [1, 28, 28]),
      'layer 2 (Linear): expects input [5408] (in_features = 5408), but gets [1352] from layer 1 (Flatten)',
    ],
  ];
  for (const [name, f, message] of cases)
    it(name, () => {
      expect(f).toThrow(message);
    });

  const heads: [string, unknown[], string][] = [
    [
      '[ReLU] alone',
      [relu],
      'must end in {"type": "LogSoftmax", "dim": 1} over 10 classes to be trained with NLL; it ends in layer 0 (ReLU) with output [1, 28, 28]',
    ],
    [
      'Linear 784→7, no LogSoftmax',
      [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 7 }],
      'it ends in layer 1 (Linear) with output [7]',
    ],
    [
      'Linear 784→1 + LogSoftmax',
      [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 1 }, { type: 'LogSoftmax', dim: 1 }],
      "The model's output is [1], but MNIST has 10 classes",
    ],
    [
      'Linear 784→5 + LogSoftmax',
      [{ type: 'Flatten' }, { type: 'Linear', in_features: 784, out_features: 5 }, { type: 'LogSoftmax', dim: 1 }],
      "The model's output is [5], but MNIST has 10 classes",
    ],
  ];
  for (const [name, s, message] of heads)
    it(`refuses ${name} for NLL training`, () => {
      expect(classifierError(parseSpec(s, [1, 28, 28]), 10)).toContain(message);
    });
  it('accepts the default model', () => {
    expect(classifierError(parseSpec(spec, [1, 28, 28]), 10)).toBeNull();
  });
});

describe('layer arguments outside what the engine computes: refused naming the layer, field and value', () => {
  const conv = { type: 'Conv2d', in_channels: 1, out_channels: 6, kernel_size: 3 };
  const cases: [string, unknown[], string][] = [
    [
      'MaxPool2d padding over half the kernel',
      [conv, { type: 'MaxPool2d', kernel_size: 3, stride: 2, padding: 2 }],
      "layer 1 (MaxPool2d): padding 2 must be at most half the kernel (PyTorch's rule)",
    ],
    [
      'MaxPool2d dilation',
      [conv, { type: 'MaxPool2d', kernel_size: 3, dilation: [1, 2] }],
      'layer 1 (MaxPool2d): dilation = [1,2] is not supported (only dilation 1)',
    ],
    [
      'MaxPool2d ceil_mode',
      [conv, { type: 'MaxPool2d', kernel_size: 3, stride: 2, ceil_mode: true }],
      'layer 1 (MaxPool2d): ceil_mode = true is not supported (only false)',
    ],
    ['MaxPool2d stride 0', [conv, { type: 'MaxPool2d', kernel_size: 3, stride: 0 }], 'layer 1 (MaxPool2d): stride must be ≥ 1, got 0'],
    [
      'GroupNorm channels not divisible',
      [conv, { type: 'GroupNorm', num_groups: 4, num_channels: 6 }],
      'layer 1 (GroupNorm): num_channels 6 is not divisible by num_groups 4',
    ],
    [
      'GroupNorm on other channels',
      [conv, { type: 'GroupNorm', num_groups: 2, num_channels: 8 }],
      'layer 1 (GroupNorm): expects input [8, H, W] or [8] (num_channels = 8), but gets [6, 26, 26] from layer 0 (Conv2d)',
    ],
    [
      'LayerNorm over part of the shape',
      [conv, { type: 'LayerNorm', normalized_shape: [26, 26] }],
      'layer 1 (LayerNorm): normalized_shape [26, 26] is not the whole shape of its input, [6, 26, 26] from layer 0 (Conv2d); the engine normalizes over all of it: normalized_shape [6, 26, 26]',
    ],
    ['LayerNorm eps', [conv, { type: 'LayerNorm', normalized_shape: [6, 26, 26], eps: -1 }], 'layer 1 (LayerNorm): eps must be a positive number, got -1'],
  ];
  for (const [name, s, message] of cases)
    it(name, () => {
      expect(() => parseSpec(s, [1, 28, 28])).toThrow(message);
    });
});

/** A safetensors file with a hand-written header (offsets as given) and `data` bytes. */
function raw(header: Record<string, unknown> | string, data: number): Uint8Array {
  const h = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  return out;
}
const f32 = (a: number, b: number) => ({ dtype: 'F32', shape: [(b - a) / 4], data_offsets: [a, b] });

describe('.safetensors: what the format requires', () => {
  const cases: [string, Uint8Array, string][] = [
    [
      'duplicate names',
      raw('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8),
      'names "a" twice; tensor names must be unique',
    ],
    ['overlapping data', raw({ a: f32(0, 8), b: f32(4, 12) }, 12), "b: its data [4, 12) overlaps the previous tensor's, which ends at 8"],
    ['aliased data (two names, one span)', raw({ a: f32(0, 8), b: f32(0, 8) }, 8), "overlaps the previous tensor's"],
    ['a gap between tensors', raw({ a: f32(0, 4), b: f32(8, 12) }, 12), 'b: its data starts at 8, leaving bytes 4–8 unused'],
    ['bytes after the last tensor', raw({ a: f32(0, 4) }, 12), "8 bytes after the last tensor's data"],
    ['data past the end', raw({ a: f32(0, 16) }, 8), 'a: its data ends at byte 16 but the file has only 8 bytes of data'],
    [
      'a negative num_batches_tracked',
      (() => {
        const f = raw({ '1.num_batches_tracked': { dtype: 'I64', shape: [], data_offsets: [0, 8] } }, 8);
        new DataView(f.buffer).setBigInt64(f.length - 8, -3n, true);
        return f;
      })(),
      '1.num_batches_tracked: -3 is negative',
    ],
    ['metadata that is not strings', raw({ __metadata__: { model: [1] }, a: f32(0, 4) }, 4), '__metadata__ must map names to strings'],
    ['a header that is not an object', raw('[1, 2]', 0), 'the header is not a JSON object'],
  ];
  for (const [name, bytes, message] of cases)
    it(`refuses ${name}`, () => {
      expect(() => readSafetensors(bytes, 'f.safetensors')).toThrow(message);
    });
  it('accepts what writeSafetensors writes, offsets in order and covering the data', () => {
    const f = writeSafetensors(
      { a: { shape: [2], data: new Float32Array([1, 2]) }, b: { shape: [1], data: new Float32Array([3]) } },
      { '1.num_batches_tracked': 7 },
    );
    expect(readSafetensors(f).ints['1.num_batches_tracked']).toEqual([7]);
  });

  for (const [name, value, message] of [
    ['NaN', NaN, '0.weight: value 5 is NaN; weights must be finite'],
    ['Infinity', Infinity, '0.weight: value 5 is Infinity; weights must be finite'],
  ] as const)
    it(`refuses imported weights holding ${name}, naming the tensor, and leaves the model as it was`, async () => {
      const m = new Model(await runtime(), spec, [1, 28, 28]);
      m.init(1);
      const before = await m.getState();
      const state = await m.getState();
      state['0.weight'].data[5] = value;
      const bytes = writeSafetensors(state);
      expect(() => loadWeights(m, bytes, 'bad.safetensors')).toThrow(message);
      expect((await m.getState())['0.weight'].data).toEqual(before['0.weight'].data);
      m.destroy();
    });
});

describe('saved checkpoints (IndexedDB) are checked field by field', async () => {
  const m = new Model(await runtime(), spec, [1, 28, 28]);
  m.init(1);
  const weights = await encodeWeights(m);
  m.destroy();
  const good = {
    savedAt: 1,
    spec,
    config: DEFAULT_CONFIG,
    epoch: 1,
    weights,
    momenta: new Float32Array(8),
    history: [{ epoch: 1, trainLoss: 1, trainAcc: 50, testLoss: 1, testAcc: 50, seconds: 1, imagesPerSec: 1, lr: 0.1 }],
    trainPoints: [{ x: 0, y: 1 }],
    trainAccPoints: [],
    firstLoss: 2.3,
  };
  const cases: [string, unknown, string][] = [
    ['a string', 'hello', 'the checkpoint is string, not a saved run'],
    ['a number', 42, 'the checkpoint is number'],
    ['null', null, 'the checkpoint is null'],
    ['{}', {}, 'savedAt: not a time'],
    ['config: null', { ...good, config: null }, 'config: missing'],
    ['a bad config value', { ...good, config: { ...DEFAULT_CONFIG, epochs: 1e9 } }, 'config.epochs: must be a whole number from 1 to 1000'],
    ['epoch -5', { ...good, epoch: -5 }, 'epoch: -5 is not a whole number from 0 to 20'],
    ['epoch past epochs', { ...good, epoch: 21 }, 'epoch: 21 is not a whole number from 0 to 20'],
    ['a history that is not a list', { ...good, history: 'x' }, 'history: not a list of epochs'],
    ['a history of the wrong length', { ...good, epoch: 2 }, 'history: 1 epochs logged for a checkpoint after epoch 2'],
    ['a history entry with NaN', { ...good, history: [{ ...good.history[0], testAcc: NaN }] }, 'history[0].testAcc: not a finite number'],
    ['a spec that is not a classifier', { ...good, spec: [{ type: 'ReLU' }] }, 'spec: The model must end in'],
    ['weights that are not safetensors', { ...good, weights: new Uint8Array(3) }, 'weights: weights is truncated'],
    ['momenta that are not float32', { ...good, momenta: [1, 2] }, 'momenta: not a list of finite float32 values'],
    ['momenta holding NaN', { ...good, momenta: new Float32Array([NaN]) }, 'momenta: not a list of finite float32 values'],
    ['chart points that are not points', { ...good, trainPoints: [1] }, 'trainPoints: not a list of points'],
  ];
  for (const [name, cp, message] of cases)
    it(`refuses ${name}`, () => {
      expect(checkpointError(cp)).toContain(message);
    });
  it('accepts a good one', () => {
    expect(checkpointError(good)).toBeNull();
  });
});

describe('device limits: refused before anything is allocated, with the batch that fits', () => {
  it('a training batch whose activations exceed one binding names the layer, the limit and the largest batch', async () => {
    const rt = await runtime();
    const m = new Model(rt, spec, [1, 28, 28]);
    const limit = rt.device.limits.maxStorageBufferBindingSize;
    // The second convolution's output (16×24×24 floats a sample) is the largest activation.
    const perSample = 4 * 16 * 24 * 24;
    const N = Math.floor(limit / perSample) + 1;
    void rt.dummy; // the runtime's one shared placeholder, made on first use
    const bytes = rt.liveBytes;
    let err: unknown;
    try {
      m.plan(N, 'train');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LimitError);
    const msg = (err as Error).message;
    // The second convolution's output is the output of the unit the plan computes it in.
    expect(msg).toContain(
      `batch ${N.toLocaleString('en-US')} (train): the output of layers 4–7 (Conv2d → BatchNorm2d → ReLU → Dropout, computed together) needs`,
    );
    expect(msg).toContain('(maxStorageBufferBindingSize)');
    const largest = Number(/the largest batch that fits is ([\d,]+)/.exec(msg)![1].replace(/,/g, ''));
    expect(rt.liveBytes).toBe(bytes); // nothing was allocated
    // The claim holds: that batch builds (sized only), one more does not.
    expect(() => rt.measure(() => m.plan(largest, 'train').destroy())).not.toThrow();
    expect(() => m.plan(largest + 1, 'train')).toThrow(LimitError);
    m.releasePlans();
    m.destroy();
  });

  it('a dispatch grid past maxComputeWorkgroupsPerDimension is refused naming the kernel', async () => {
    const rt = await runtime();
    const max = rt.device.limits.maxComputeWorkgroupsPerDimension;
    const x = kernel('@compute @workgroup_size(1) fn x() {}', 'x');
    expect(() => rt.dispatch({ kernel: x, bind: {}, grid: [max + 1] })).toThrow(
      `kernel x needs a grid of ${max + 1}×1×1 workgroups; this adapter allows ${max} per dimension`,
    );
  });
});

describe('labels the model has no output for', () => {
  it('are flagged by the NLL kernel (status[5] = first bad sample), never clamped', async () => {
    const rt = await runtime();
    const B = 4;
    const C = 3;
    const logp = rt.upload(new Float32Array(B * C).fill(Math.log(1 / 3)));
    const labels = rt.upload(new Uint32Array([0, 2, 7, 3]));
    const [dy, out] = [rt.buffer(4 * B * C), rt.buffer(16)];
    const stats = rt.buffer(16);
    const status = rt.upload(new Uint32Array([0xffffffff, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0, 0]));
    rt.run([nllLoss(rt, B, C, logp, labels, dy, out, stats, status)]);
    expect((await rt.readU32(status))[5]).toBe(2);
    // No gradient is written towards a class that does not exist (a clamp would put −1/B on class 2).
    expect([...(await rt.readF32(dy))].slice(2 * C, 4 * C)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('GPU errors are never silent', () => {
  it('an error outside any scope is kept and turned into a GpuError naming the work', async () => {
    // A device of its own: the shared test device throws on any uncaptured error.
    const { device, info } = await openNodeGpu();
    const rt = new Runtime(device, info);
    device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE });
    await device.queue.onSubmittedWorkDone();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => rt.throwIfErrors('training')).toThrow(/^training: the GPU refused the work: .*MAP_READ|^training: the GPU refused the work: /);
    expect(rt.takeErrors()).toEqual([]);
    await expect(
      rt.scoped('building the plan', () => device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE })),
    ).rejects.toThrow(/^building the plan: the GPU refused the work: /);
    device.destroy();
  });
});
