import { describe, expect, it } from 'vitest';
import { gapBackward, gapForward, maxpoolBackward, maxpoolForward, poolOut } from '../src/engine/ops/pool';
import * as ref from '../src/engine/reference/pool';
import type { PoolShape } from '../src/engine/reference/pool';
import { parseSpec, type PoolWindow } from '../src/engine/spec';
import { gpuLayer } from '../src/engine/layers';
import { planUnits } from '../src/engine/units';
import { makeRng } from '../src/engine/rng';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

const shapes = [
  { N: 1, C: 1, H: 2, W: 2 },
  { N: 2, C: 3, H: 5, W: 7 }, // odd sizes: floor drops the last row/column
  { N: 4, C: 16, H: 24, W: 24 },
];

const win = (kh: number, kw: number, sh: number, sw: number, ph: number, pw: number): PoolWindow => ({ kh, kw, sh, sw, ph, pw });
/** Windows: stride = kernel (2, 3), overlapping with padding (3, 2, 1), stride 1, non-square, stride > kernel. */
const windows: [PoolShape, PoolWindow][] = [
  ...shapes.flatMap((s) => [2, 3].filter((K) => s.H >= K && s.W >= K).map((K): [PoolShape, PoolWindow] => [s, win(K, K, K, K, 0, 0)])),
  [{ N: 1, C: 3, H: 9, W: 7 }, win(3, 3, 2, 2, 1, 1)], // MaxPool2d(3, 2, 1), batch 1
  [{ N: 3, C: 2, H: 6, W: 5 }, win(2, 2, 1, 1, 0, 0)], // MaxPool2d(2, stride 1)
  [{ N: 2, C: 2, H: 8, W: 9 }, win(3, 2, 1, 2, 1, 1)], // non-square, padding on both axes
  [{ N: 2, C: 1, H: 7, W: 7 }, win(2, 2, 3, 3, 1, 0)], // stride > kernel: some inputs in no window
  [{ N: 4, C: 16, H: 24, W: 24 }, win(3, 3, 2, 2, 1, 1)],
];

describe('MaxPool2d and AdaptiveAvgPool2d kernels vs float64 reference', () => {
  for (const [s, w] of windows)
    it(`maxpool ${JSON.stringify(w)} ${JSON.stringify(s)}`, async () => {
      const rt = await runtime();
      const rand = makeRng(s.H * w.kh + s.C + w.sh);
      const n = s.N * s.C * s.H * s.W;
      const { OH, OW } = poolOut({ ...s, ...w });
      const no = s.N * s.C * OH * OW;
      const x = randn(n, rand);
      const dy = randn(no, rand);
      const [X, DY] = [x, dy].map((a) => rt.upload(a));
      const [Y, ARG, DX] = [no, no, n].map((k) => rt.buffer(4 * k));
      const d = { ...s, ...w };
      rt.run([maxpoolForward(rt, d, X, Y, ARG), maxpoolBackward(rt, d, DY, ARG, DX)]);
      const f = ref.maxpoolForward(x, s, w);
      expect(worst(await rt.readF32(Y, no), f.y, 0, 0)).toBeLessThanOrEqual(1);
      expect([...(await rt.readU32(ARG, no))]).toEqual([...f.arg]);
      // An input chosen by several overlapping windows sums their dy in float32.
      expect(worst(await rt.readF32(DX, n), ref.maxpoolBackward(dy, f.arg, n), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    });

  it('maxpool picks the first of equal maxima, as PyTorch does', async () => {
    const rt = await runtime();
    const x = rt.upload(new Float32Array([1, 1, 1, 1]));
    const [Y, ARG, DX] = [1, 1, 4].map((k) => rt.buffer(4 * k));
    const d = { N: 1, C: 1, H: 2, W: 2, ...win(2, 2, 2, 2, 0, 0) };
    rt.run([maxpoolForward(rt, d, x, Y, ARG), maxpoolBackward(rt, d, rt.upload(new Float32Array([5])), ARG, DX)]);
    expect([...(await rt.readF32(DX, 4))]).toEqual([5, 0, 0, 0]);
  });

  it('maxpool pads with −inf: a window over the padding of an all-negative input picks an input cell', async () => {
    const rt = await runtime();
    // 3×3 input of -1 … -9; MaxPool2d(3, 2, 1) gives 2×2 outputs, each from the input's corners' windows.
    const x = Float32Array.from({ length: 9 }, (_, i) => -1 - i);
    const [Y, ARG, DX] = [4, 4, 9].map((k) => rt.buffer(4 * k));
    const d = { N: 1, C: 1, H: 3, W: 3, ...win(3, 3, 2, 2, 1, 1) };
    rt.run([maxpoolForward(rt, d, rt.upload(x), Y, ARG), maxpoolBackward(rt, d, rt.upload(new Float32Array([1, 2, 4, 8])), ARG, DX)]);
    expect([...(await rt.readF32(Y, 4))]).toEqual([-1, -2, -4, -5]);
    expect([...(await rt.readF32(DX, 9))]).toEqual([1, 2, 0, 4, 8, 0, 0, 0, 0]);
  });

  for (const s of shapes)
    it(`global average pool ${JSON.stringify(s)}`, async () => {
      const rt = await runtime();
      const rand = makeRng(s.W);
      const n = s.N * s.C * s.H * s.W;
      const x = randn(n, rand);
      const dy = randn(s.N * s.C, rand);
      const [X, DY] = [x, dy].map((a) => rt.upload(a));
      const [Y, DX] = [s.N * s.C, n].map((k) => rt.buffer(4 * k));
      rt.run([gapForward(rt, s, X, Y), gapBackward(rt, s, DY, DX)]);
      expect(worst(await rt.readF32(Y, s.N * s.C), ref.gapForward(x, s), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, n), ref.gapBackward(dy, s), 1e-7, 1e-6)).toBeLessThanOrEqual(1);
    });
});

describe('pooling reference backward vs finite differences', () => {
  const s = { N: 2, C: 2, H: 5, W: 4 };
  for (const w of [win(2, 2, 2, 2, 0, 0), win(3, 3, 2, 2, 1, 1), win(2, 2, 1, 1, 0, 0), win(3, 2, 1, 2, 1, 1)])
    it(`maxpool ${JSON.stringify(w)} (distinct values, away from ties)`, () => {
      const rand = makeRng(3 + w.sh);
      const x = Float64Array.from({ length: 80 }, (_, i) => i * 0.01 + rand() * 0.001).sort(() => rand() - 0.5);
      const f = ref.maxpoolForward(x, s, w);
      const r = randArray(f.y.length, rand);
      const [num] = numericGrads(([x]) => ref.maxpoolForward(x, s, w).y, [x], r, 1e-7);
      expect(maxRelErr(ref.maxpoolBackward(r, f.arg, x.length), num)).toBeLessThan(1e-5);
    });
  it('global average pool', () => {
    const rand = makeRng(4);
    const x = randArray(80, rand);
    const r = randArray(4, rand);
    const [num] = numericGrads(([x]) => ref.gapForward(x, s), [x], r);
    expect(maxRelErr(ref.gapBackward(r, s), num)).toBeLessThan(1e-6);
  });
});

describe('MaxPool2d in the spec', () => {
  const at = (l: Record<string, unknown>, inShape = [3, 7, 7]) => parseSpec([{ type: 'MaxPool2d', ...l }], inShape);
  it('infers PyTorch output shapes (stride defaults to the kernel, floor mode)', () => {
    expect(at({ kernel_size: 2 })[0].outShape).toEqual([3, 3, 3]);
    expect(at({ kernel_size: 3, stride: 2, padding: 1 })[0].outShape).toEqual([3, 4, 4]);
    expect(at({ kernel_size: 2, stride: 1 })[0].outShape).toEqual([3, 6, 6]);
    expect(at({ kernel_size: [3, 2], stride: [1, 2], padding: 1 })[0].outShape).toEqual([3, 7, 4]);
  });
  it.each<[Record<string, unknown>, string]>([
    [{ kernel_size: 3, padding: 2 }, "layer 0 (MaxPool2d): padding 2 must be at most half the kernel (PyTorch's rule)"],
    [{ kernel_size: 3, dilation: 2 }, 'layer 0 (MaxPool2d): dilation = 2 is not supported (only dilation 1)'],
    [{ kernel_size: 2, ceil_mode: true }, 'layer 0 (MaxPool2d): ceil_mode = true is not supported (only false)'],
    [{ kernel_size: 2, return_indices: true }, 'layer 0 (MaxPool2d): return_indices = true is not supported (only false)'],
    [{ kernel_size: 2, stride: 0 }, 'layer 0 (MaxPool2d): stride must be ≥ 1, got 0'],
    [{ kernel_size: 8 }, 'layer 0 (MaxPool2d): a 8×8 window with padding 0×0 does not fit input [3, 7, 7] (the model input)'],
  ])('refuses %j', (l, message) => {
    expect(() => at(l)).toThrow(message);
  });

  // conv1x1_pool keeps one winner per conv output: only a K×K, stride K, unpadded pool may fuse.
  it.each<[Record<string, unknown>, boolean]>([
    [{ kernel_size: 2 }, true],
    [{ kernel_size: 3, stride: 3 }, true],
    [{ kernel_size: 3, stride: 2, padding: 1 }, false],
    [{ kernel_size: 2, stride: 1 }, false],
    [{ kernel_size: 2, padding: 1 }, false],
    [{ kernel_size: [2, 3], stride: [2, 3] }, false],
  ])('fuses a 1×1 Conv2d with MaxPool2d %j: %s', (pool, fused) => {
    const infos = parseSpec(
      [
        { type: 'Conv2d', in_channels: 3, out_channels: 4, kernel_size: 1 },
        { type: 'MaxPool2d', ...pool },
      ],
      [3, 8, 9],
    );
    const units = planUnits(infos.map(gpuLayer), 'train', { fuseConvPool: true });
    expect(units.length).toBe(fused ? 1 : 2);
  });
});
