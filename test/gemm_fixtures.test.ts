// The GEMM kernels alone against PyTorch (float64) on the wide-layer fixtures: each is one
// Conv2d or Linear under ½·Σ(t − y)², so the gradient that reaches the layer is dy = y − t.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convOutSize, type ConvDims } from '../src/engine/ops/conv2d';
import { gemm, gemmScratchFloats } from '../src/engine/ops/gemm';
import { cpuConv2dBackwardInput, cpuConv2dBackwardWeight, cpuConv2dForward, cpuPlanBlock, cpuWeightPartialFloats } from '../src/engine/ops/conv_cpu';
import { gemmConv2dBackwardInput, gemmConv2dBackwardWeight, gemmConv2dForward, gemmWeightPartialFloats } from '../src/engine/ops/gemm_conv2d';
import { Runtime } from '../src/engine/runtime';
import type { Binding, Call } from '../src/engine/runtime';
import { chooseTuning, TUNING_KINDS, type TuningKind } from '../src/engine/tuning';
import { runtime, worst } from './gpu';

interface T {
  shape: number[];
  data: number[];
}
const load = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gradients', `${name}.json`), 'utf8'));
const dyOf = (fx: { expected: { output: T }; target: T }) => Float32Array.from(fx.expected.output.data, (y, i) => y - fx.target.data[i]);

type ConvCalls = (rt: Runtime, d: ConvDims, b: { X: Binding; Wt: Binding; B: Binding; DY: Binding; Y: Binding; DX: Binding; DW: Binding }) => Call[];

/** One conv fixture through `calls` (forward, dx, dw) under the `kind` tuning, against its float64 answers; returns the kernels that ran. */
async function convFixture(kind: TuningKind, name: string, calls: ConvCalls): Promise<string[]> {
  const base = await runtime();
  const rt = new Runtime(base.device, base.info, chooseTuning(base.info, kind));
  const fx = load(name);
  const L = fx.model[0];
  const [N, C, H, W] = fx.input.shape;
  const d: ConvDims = { N, C, H, W, O: L.out_channels, KH: L.kernel_size, KW: L.kernel_size, PH: L.padding, PW: L.padding };
  const { OH, OW } = convOutSize(d);
  const [X, Wt, B, DY] = [fx.input.data, fx.params['0.weight'].data, fx.params['0.bias'].data, dyOf(fx)].map((a) => rt.upload(Float32Array.from(a)));
  const [Y, DX, DW] = [N * d.O * OH * OW, N * C * H * W, d.O * C * d.KH * d.KW].map((n) => rt.buffer(4 * n));
  const list = calls(rt, d, { X, Wt, B, DY, Y, DX, DW });
  rt.run(list);
  const { abs, rel } = fx.tolerance;
  expect(worst(await rt.readF32(Y, fx.expected.output.data.length), fx.expected.output.data, abs, rel)).toBeLessThanOrEqual(1);
  expect(worst(await rt.readF32(DX, fx.expected.inputGrad.data.length), fx.expected.inputGrad.data, abs, rel)).toBeLessThanOrEqual(1);
  expect(worst(await rt.readF32(DW, fx.expected.grads['0.weight'].data.length), fx.expected.grads['0.weight'].data, abs, rel)).toBeLessThanOrEqual(1);
  return list.map((c) => c.kernel);
}

const CONV_FIXTURES = ['conv_wide_64to128_10x10_b5', 'conv_wide_128to256_8x8_b3', 'conv_below_tile_2to3_4x5_pad1_b1'];

describe('GEMM kernels vs PyTorch fixtures of wide layers', () => {
  for (const kind of TUNING_KINDS)
    for (const name of CONV_FIXTURES)
      it(`${kind} tuning, ${name}`, () =>
        convFixture(kind, name, (rt, d, b) => [
          gemmConv2dForward(rt, d, b.X, b.Wt, b.Y, b.B),
          gemmConv2dBackwardInput(rt, d, b.DY, b.Wt, b.DX),
          ...gemmConv2dBackwardWeight(rt, d, b.DY, b.X, b.DW, rt.buffer(4 * Math.max(4, gemmWeightPartialFloats(rt, d)))),
        ]));

  // A CPU tuning's plan blocks (ops/conv_cpu.ts): batch 5 × 8×8 = 320 and 3 × 6×6 = 108 output
  // pixels are no multiple of the written-out block's 128 pixels; the last is below one block (and
  // its dw, of 3 output channels, takes the looped 8 lanes × 8×9).
  for (const name of CONV_FIXTURES)
    it(`cpu tuning, barrier-free block, ${name}`, async () => {
      const kernels = await convFixture('cpu', name, (rt, d, b) => {
        const wb = cpuPlanBlock(d, 'weight');
        return [
          cpuConv2dForward(rt, d, b.X, b.Wt, b.Y, b.B, cpuPlanBlock(d, 'forward')),
          cpuConv2dBackwardInput(rt, d, b.DY, b.Wt, b.DX, cpuPlanBlock(d, 'input')),
          ...cpuConv2dBackwardWeight(rt, d, b.DY, b.X, b.DW, rt.buffer(4 * Math.max(4, cpuWeightPartialFloats(d, wb))), wb),
        ];
      });
      // dw: O = 128 and 256 take the written-out block, O = 3 the looped one.
      const dw = name === 'conv_below_tile_2to3_4x5_pad1_b1' ? 'conv_cpu_backward_weight' : 'conv_cpu_unrolled_backward_weight';
      expect(kernels.filter((k) => k.startsWith('conv_cpu'))).toEqual(['conv_cpu_unrolled_forward', 'conv_cpu_unrolled_backward_input', dw]);
    });

  for (const kind of TUNING_KINDS)
    it(`${kind} tuning, linear_wide_4096to50_b3`, async () => {
      const base = await runtime();
      const rt = new Runtime(base.device, base.info, chooseTuning(base.info, kind));
      const fx = load('linear_wide_4096to50_b3');
      const [M, K] = fx.input.shape;
      const N = fx.model[0].out_features;
      const [X, Wt, B, DY] = [fx.input.data, fx.params['0.weight'].data, fx.params['0.bias'].data, dyOf(fx)].map((a) => rt.upload(Float32Array.from(a)));
      const [Y, DX, DW] = [M * N, M * K, N * K].map((n) => rt.buffer(4 * n));
      const dims = { fwd: { M, N, K }, dx: { M, N: K, K: N }, dw: { M: N, N: K, K: M } };
      const scratch = (g: { M: number; N: number; K: number }) => rt.buffer(4 * Math.max(4, gemmScratchFloats(rt, g)));
      rt.run([
        ...gemm(rt, 'fc', dims.fwd, X, Wt, Y, { transB: true, bias: B, scratch: scratch(dims.fwd) }),
        ...gemm(rt, 'fc dx', dims.dx, DY, Wt, DX, { scratch: scratch(dims.dx) }),
        ...gemm(rt, 'fc dw', dims.dw, DY, X, DW, { transA: true, scratch: scratch(dims.dw) }),
      ]);
      const { abs, rel } = fx.tolerance;
      expect(worst(await rt.readF32(Y, fx.expected.output.data.length), fx.expected.output.data, abs, rel)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, fx.expected.inputGrad.data.length), fx.expected.inputGrad.data, abs, rel)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DW, fx.expected.grads['0.weight'].data.length), fx.expected.grads['0.weight'].data, abs, rel)).toBeLessThanOrEqual(1);
    });
});
