// Conv2d with stride, dilation and groups (shaders/conv2d_general.wgsl): the WGSL kernels against
// the float64 reference at odd shapes and batch 1, the reference's backward against central finite
// differences, and the spec's shapes and refusals. (PyTorch's answers: fixtures/gradients/conv_general_*.json.)
import { describe, expect, it } from 'vitest';
import { conv2dBackwardBias } from '../src/engine/ops/conv2d';
import {
  biasDims,
  conv2dGeneralBackwardInput,
  conv2dGeneralBackwardWeight,
  conv2dGeneralForward,
  generalOutSize,
  generalSizes,
  generalWeightPartialFloats,
  generalWeightSplit,
  type GeneralConvDims,
} from '../src/engine/ops/conv2d_general';
import { biasPartialFloats, MAX_SERIAL } from '../src/engine/ops/conv2d';
import { conv2dBackward, conv2dForward, convOut } from '../src/engine/reference/conv2d';
import { makeRng } from '../src/engine/rng';
import { layerRules } from '../src/engine/layer-rules';
import { gpuLayer } from '../src/engine/layers';
import { Model } from '../src/engine/model';
import { ParamLayout } from '../src/engine/params';
import { TUNING_KINDS } from '../src/engine/tuning';
import { DEFAULT_CONFIG } from '../src/train/config';
import { GpuSplit, Trainer } from '../src/train/trainer';
import { parseSpec, type LayerInfo } from '../src/engine/spec';
import { planUnits } from '../src/engine/units';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, runtimeAs, worst } from './gpu';

const g = (d: Partial<GeneralConvDims> & Pick<GeneralConvDims, 'N' | 'C' | 'H' | 'W' | 'O' | 'KH' | 'KW'>): GeneralConvDims => ({
  PH: 0,
  PW: 0,
  SH: 1,
  SW: 1,
  DH: 1,
  DW: 1,
  G: 1,
  ...d,
});

const cases: GeneralConvDims[] = [
  g({ N: 2, C: 3, H: 9, W: 7, O: 4, KH: 3, KW: 3, PH: 1, PW: 1, SH: 2, SW: 2 }), // stride 2, padding 1
  g({ N: 1, C: 2, H: 9, W: 10, O: 3, KH: 3, KW: 3, DH: 2, DW: 2 }), // dilation 2, batch 1
  g({ N: 3, C: 5, H: 7, W: 6, O: 5, KH: 3, KW: 3, PH: 1, PW: 1, G: 5 }), // depthwise
  g({ N: 2, C: 4, H: 6, W: 5, O: 6, KH: 3, KW: 2, PH: 1, PW: 0, G: 2 }), // grouped, 2 → 3 per group
  g({ N: 1, C: 4, H: 11, W: 8, O: 6, KH: 3, KW: 3, PH: 2, PW: 1, SH: 2, SW: 1, DH: 2, DW: 1, G: 2 }), // all three, non-square
  g({ N: 2, C: 8, H: 13, W: 13, O: 8, KH: 5, KW: 5, PH: 2, PW: 2, SH: 3, SW: 3, G: 8 }), // stride 3 with 5×5 depthwise
  g({ N: 5, C: 1, H: 28, W: 28, O: 8, KH: 3, KW: 3, SH: 2, SW: 2 }), // the first layer of a strided net
];

describe('conv2d_general kernels vs float64 reference', () => {
  for (const d of cases)
    for (const bias of [false, true])
      it(`${JSON.stringify(d)} bias=${bias}`, async () => {
        const rt = await runtime();
        const rand = makeRng(d.N * 31 + d.C * 7 + d.KH + d.G);
        const z = generalSizes(d);
        const x = randn(z.x, rand);
        const w = randn(z.w, rand, 0.3);
        const b = randn(d.O, rand);
        const dy = randn(z.y, rand);
        const [X, Wb, B, DY] = [x, w, b, dy].map((a) => rt.upload(a));
        const [Y, DX, DW, DB] = [z.y, z.x, z.w, d.O].map((n) => rt.buffer(4 * n));
        const scratch = rt.buffer(4 * Math.max(generalWeightPartialFloats(d), biasPartialFloats(biasDims(d))));
        rt.run([
          conv2dGeneralForward(rt, d, X, Wb, Y, bias ? B : undefined),
          conv2dGeneralBackwardInput(rt, d, DY, Wb, DX),
          ...conv2dGeneralBackwardWeight(rt, d, DY, X, DW, scratch),
          ...conv2dBackwardBias(rt, biasDims(d), DY, DB, scratch),
        ]);
        const ref = conv2dBackward(x, w, dy, d);
        const ok = (got: Float32Array, want: Float64Array) => worst(got, want, 1e-4, 1e-4);
        expect(ok(await rt.readF32(Y, z.y), conv2dForward(x, w, bias ? b : null, d))).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DX, z.x), ref.dx)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DW, z.w), ref.dw)).toBeLessThanOrEqual(1);
        expect(ok(await rt.readF32(DB, d.O), ref.db)).toBeLessThanOrEqual(1);
      });
});

describe('conv2d_general shapes', () => {
  // Sizes as torch 1.13's nn.Conv2d gives them for these inputs.
  it('output size is PyTorch formula, and the reference agrees', () => {
    expect(generalOutSize(cases[0])).toEqual({ OH: 5, OW: 4 });
    expect(generalOutSize(cases[1])).toEqual({ OH: 5, OW: 6 });
    expect(generalOutSize(cases[4])).toEqual({ OH: 6, OW: 8 });
    for (const d of cases) expect(convOut(d)).toEqual(generalOutSize(d));
  });
  it('a weight-gradient thread loops over at most MAX_SERIAL output pixels at batch 512', () => {
    const d = { ...cases[6], N: 512 };
    const s = generalWeightSplit(d);
    expect(s.chunk * generalOutSize(d).OW).toBeLessThanOrEqual(MAX_SERIAL);
    expect(s.S * s.chunk).toBeGreaterThanOrEqual(d.N * generalOutSize(d).OH);
  });
});

describe('conv2d reference (stride, dilation, groups) backward vs finite differences', () => {
  for (const d of cases.slice(0, 5))
    it(JSON.stringify(d), () => {
      const rand = makeRng(11 + d.KH * d.G);
      const z = generalSizes(d);
      const x = randArray(z.x, rand);
      const w = randArray(z.w, rand);
      const b = randArray(d.O, rand);
      const r = randArray(z.y, rand);
      const [nx, nw, nb] = numericGrads(([x, w, b]) => conv2dForward(x, w, b, d), [x, w, b], r);
      const an = conv2dBackward(x, w, r, d);
      expect(maxRelErr(an.dx, nx)).toBeLessThan(1e-5);
      expect(maxRelErr(an.dw, nw)).toBeLessThan(1e-5);
      expect(maxRelErr(an.db, nb)).toBeLessThan(1e-5);
    });
});

describe('Conv2d stride, dilation and groups in the spec', () => {
  const at = (l: Record<string, unknown>, shape = [4, 11, 8]) =>
    parseSpec([{ type: 'Conv2d', in_channels: 4, out_channels: 6, kernel_size: 3, ...l }], shape)[0];
  it('infers PyTorch output shapes and weight shapes [O, C/groups, KH, KW]', () => {
    expect(at({ stride: 2, padding: 1 }).outShape).toEqual([6, 6, 4]);
    expect(at({ dilation: 2 }).outShape).toEqual([6, 7, 4]);
    expect(at({ stride: [2, 1], dilation: [2, 1], padding: [2, 1], groups: 2 }).outShape).toEqual([6, 6, 8]);
    expect(at({ groups: 2 }).params.map((p) => p.shape)).toEqual([[6, 2, 3, 3], [6]]);
    const dw = parseSpec([{ type: 'Conv2d', in_channels: 8, out_channels: 8, kernel_size: 3, groups: 8, bias: false }], [8, 5, 5])[0];
    expect(dw.params[0].shape).toEqual([8, 1, 3, 3]);
  });
  it('reads PyTorch\'s padding strings: "valid" pads nothing, "same" keeps H×W (dilation·(k−1)/2 a side)', () => {
    const pads = (l: Record<string, unknown>) => {
      const c = at(l) as Extract<LayerInfo, { type: 'Conv2d' }>;
      return [c.ph, c.pw, ...c.outShape];
    };
    expect(pads({ padding: 'valid' })).toEqual([0, 0, 6, 9, 6]);
    expect(pads({ padding: 'same' })).toEqual([1, 1, 6, 11, 8]);
    expect(pads({ padding: 'same', kernel_size: [5, 1] })).toEqual([2, 0, 6, 11, 8]);
    expect(pads({ padding: 'same', kernel_size: 2, dilation: [2, 4] })).toEqual([1, 2, 6, 11, 8]);
    expect(pads({ padding: 'same', groups: 2, dilation: 3 })).toEqual([3, 3, 6, 11, 8]);
  });
  it.each<[Record<string, unknown>, string]>([
    [{ groups: 3 }, 'layer 0 (Conv2d): in_channels = 4 and out_channels = 6 must both be divisible by groups = 3'],
    [{ groups: 4 }, 'layer 0 (Conv2d): in_channels = 4 and out_channels = 6 must both be divisible by groups = 4'],
    [{ groups: 0 }, 'layer 0 (Conv2d): groups must be a positive integer, got 0'],
    [{ stride: 0 }, 'layer 0 (Conv2d): stride must be ≥ 1, got 0'],
    [{ dilation: [1, 0] }, 'layer 0 (Conv2d): dilation must be ≥ 1, got [1,0]'],
    [{ padding_mode: 'reflect' }, 'layer 0 (Conv2d): padding_mode = "reflect" is not supported (only "zeros")'],
    [{ padding_mode: 'circular' }, 'layer 0 (Conv2d): padding_mode = "circular" is not supported (only "zeros")'],
    [{ padding: 'full' }, 'layer 0 (Conv2d): padding "full" is not one of "same", "valid", an integer or a pair of integers'],
    [{ padding: 'same', stride: [1, 2] }, 'layer 0 (Conv2d): padding "same" is not supported for strided convolutions (stride 1×2), as in PyTorch'],
    [
      { padding: 'same', kernel_size: [3, 2] },
      'layer 0 (Conv2d): padding "same" with a 3×2 kernel pads 2×1 in all, unevenly (PyTorch puts the extra row and column after); the engine pads evenly: use an odd kernel_size or an explicit padding',
    ],
    [
      { padding: 'same', kernel_size: 2, dilation: 3 },
      'layer 0 (Conv2d): padding "same" with a 2×2 kernel and dilation 3×3 pads 3×3 in all, unevenly (PyTorch puts the extra row and column after); the engine pads evenly: use an odd kernel_size or an explicit padding',
    ],
    [{ dilation: 5 }, 'layer 0 (Conv2d): a 3×3 kernel with dilation 5×5, stride 1×1 and padding 0×0 does not fit input [4, 11, 8] (the model input)'],
  ])('refuses %j', (l, message) => {
    expect(() => at(l)).toThrow(message);
  });
});

describe('PyTorch default initialisation of a grouped Conv2d', () => {
  it('draws U(±1/√fan_in) with fan_in = C/groups·KH·KW (depthwise 3×3: ±1/3)', () => {
    const infos = parseSpec([{ type: 'Conv2d', in_channels: 16, out_channels: 16, kernel_size: 3, groups: 16, bias: false }], [16, 5, 5]);
    const w = new ParamLayout(infos, 1).initParams(7);
    const max = Math.max(...Array.from(w, Math.abs));
    expect(w.length).toBe(16 * 9);
    expect(max).toBeLessThanOrEqual(1 / 3);
    expect(max).toBeGreaterThan(0.3); // 144 draws: over 0.9 of the bound, not the 1/12 of all 16 channels
  });
});

describe('a plan runs a strided, dilated or grouped Conv2d alone', () => {
  const net = parseSpec(
    [
      { type: 'Conv2d', in_channels: 1, out_channels: 8, kernel_size: 3, stride: 2 },
      { type: 'BatchNorm2d', num_features: 8 },
      { type: 'ReLU' },
      { type: 'Conv2d', in_channels: 8, out_channels: 8, kernel_size: 1, groups: 2 },
      { type: 'MaxPool2d', kernel_size: 2 },
      { type: 'Conv2d', in_channels: 8, out_channels: 8, kernel_size: 3, padding: 1, groups: 8 },
      { type: 'Conv2d', in_channels: 8, out_channels: 16, kernel_size: 1 },
      { type: 'MaxPool2d', kernel_size: 2 },
    ],
    [1, 13, 13],
  );
  it('no Conv2d → BatchNorm statistics fusion (the BatchNorm → ReLU computes its own), no 1×1 → MaxPool fusion', () => {
    const units = planUnits(net.map(gpuLayer), 'train', { fuseConvPool: true }).map((u) => [u.first, u.last]);
    // The stride-1 1×1 Conv2d at 6 still runs with its pool.
    expect(units).toEqual([
      [0, 0],
      [1, 2],
      [3, 3],
      [4, 4],
      [5, 5],
      [6, 7],
    ]);
  });
  it('the plan report names the kernel and what made it general', async () => {
    const rules = layerRules(await runtime(), net, 4);
    expect(rules[0]).toBe('layer 0 Conv2d 1→8 3×3 at 13×13 (stride 2×2): forward conv2d_general; dw conv2d_general');
    expect(rules[2]).toBe('layer 5 Conv2d 8→8 3×3 at 3×3 (groups 8): forward conv2d_general; dx conv2d_general; dw conv2d_general');
  });
});

describe('a strided, depthwise and grouped MNIST classifier trains', () => {
  const spec = [
    { type: 'Conv2d', in_channels: 1, out_channels: 8, kernel_size: 3, stride: 2 },
    { type: 'BatchNorm2d', num_features: 8 },
    { type: 'ReLU' },
    { type: 'Conv2d', in_channels: 8, out_channels: 8, kernel_size: 3, padding: 1, groups: 8 },
    { type: 'Conv2d', in_channels: 8, out_channels: 16, kernel_size: 1 },
    { type: 'Conv2d', in_channels: 16, out_channels: 16, kernel_size: 3, stride: 2, dilation: 2, groups: 4 },
    { type: 'AdaptiveAvgPool2d', output_size: 1 },
    { type: 'Flatten' },
    { type: 'Linear', in_features: 16, out_features: 10 },
    { type: 'LogSoftmax', dim: 1 },
  ];
  it('warmUp compiles every kernel its steps dispatch, and an epoch gives finite losses, in every tuning', async () => {
    for (const kind of TUNING_KINDS) {
      const rt = await runtimeAs(kind);
      const model = new Model(rt, spec, [1, 28, 28]);
      const rand = makeRng(3);
      const images = Uint8Array.from({ length: 70 * 784 }, () => Math.floor(256 * rand()));
      const labels = Uint8Array.from({ length: 70 }, (_, i) => i % 10);
      const data = { images, labels, count: 70 };
      const trainer = new Trainer(model, new GpuSplit(rt, data, 'train'), new GpuSplit(rt, data, 'test'), { ...DEFAULT_CONFIG, batch: 32, epochs: 1 });
      const before = rt.compiledOnDemand;
      await trainer.warmUp();
      await trainer.run();
      expect(rt.compiledOnDemand - before, kind).toBe(0);
      expect(Number.isFinite(trainer.history[0].trainLoss), kind).toBe(true);
      expect(Number.isFinite(trainer.history[0].testLoss), kind).toBe(true);
      trainer.destroy();
      model.destroy();
    }
  });
});
