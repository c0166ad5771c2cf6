// AvgPool2d: the WGSL kernels against the float64 reference at odd shapes, batch 1, strides other
// than the kernel, padding with and without count_include_pad; the reference's backward against
// central finite differences. (PyTorch's answers: fixtures/gradients/avgpool_*.json.)
import { describe, expect, it } from 'vitest';
import { avgpoolBackward, avgpoolForward, avgpoolOut, type AvgPoolDims } from '../src/engine/ops/avgpool';
import * as ref from '../src/engine/reference/avgpool';
import { makeRng } from '../src/engine/rng';
import { parseSpec } from '../src/engine/spec';
import { maxRelErr, numericGrads, randArray } from './fd';
import { randn, runtime, worst } from './gpu';

const cases: AvgPoolDims[] = [
  { N: 1, C: 1, H: 2, W: 2, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, includePad: true },
  { N: 2, C: 3, H: 7, W: 5, kh: 5, kw: 5, sh: 5, sw: 5, ph: 0, pw: 0, includePad: true }, // AvgPool2d(5), floor drops rows
  { N: 1, C: 4, H: 9, W: 11, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, includePad: true }, // overlapping windows, padding
  { N: 3, C: 2, H: 8, W: 6, kh: 3, kw: 2, sh: 1, sw: 2, ph: 1, pw: 1, includePad: false }, // count_include_pad=False
  { N: 4, C: 16, H: 7, W: 7, kh: 7, kw: 7, sh: 7, sw: 7, ph: 0, pw: 0, includePad: true }, // AvgPool2d(7) as GAP
];

describe('AvgPool2d kernels vs float64 reference', () => {
  for (const d of cases)
    it(JSON.stringify(d), async () => {
      const rt = await runtime();
      const rand = makeRng(d.H * 31 + d.kh);
      const { OH, OW } = avgpoolOut(d);
      const n = d.N * d.C * d.H * d.W;
      const no = d.N * d.C * OH * OW;
      const x = randn(n, rand);
      const dy = randn(no, rand);
      const [X, DY] = [x, dy].map((a) => rt.upload(a));
      const [Y, DX] = [no, n].map((k) => rt.buffer(4 * k));
      rt.run([avgpoolForward(rt, d, X, Y), avgpoolBackward(rt, d, DY, DX)]);
      expect(worst(await rt.readF32(Y, no), ref.avgpoolForward(x, d), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
      expect(worst(await rt.readF32(DX, n), ref.avgpoolBackward(dy, d), 1e-6, 1e-5)).toBeLessThanOrEqual(1);
    });
});

describe('AvgPool2d reference backward vs finite differences', () => {
  for (const d of cases.slice(1, 4))
    it(JSON.stringify(d), () => {
      const rand = makeRng(7 + d.kh);
      const x = randArray(d.N * d.C * d.H * d.W, rand);
      const { OH, OW } = avgpoolOut(d);
      const r = randArray(d.N * d.C * OH * OW, rand);
      const [num] = numericGrads(([x]) => ref.avgpoolForward(x, d), [x], r);
      expect(maxRelErr(ref.avgpoolBackward(r, d), num)).toBeLessThan(1e-6);
    });
});

describe('AvgPool2d in the spec', () => {
  const at = (l: Record<string, unknown>) => parseSpec([{ type: 'AvgPool2d', ...l }], [3, 7, 7]);
  it('infers PyTorch output shapes (stride defaults to the kernel, floor mode)', () => {
    expect(at({ kernel_size: 7 })[0].outShape).toEqual([3, 1, 1]);
    expect(at({ kernel_size: 3, stride: 2, padding: 1 })[0].outShape).toEqual([3, 4, 4]);
    expect(at({ kernel_size: [3, 2], stride: [1, 2] })[0].outShape).toEqual([3, 5, 3]);
  });
  it.each<[Record<string, unknown>, string]>([
    [{ kernel_size: 3, padding: 2 }, "layer 0 (AvgPool2d): padding 2 must be at most half the kernel (PyTorch's rule)"],
    [{ kernel_size: 2, ceil_mode: true }, 'layer 0 (AvgPool2d): ceil_mode = true is not supported (only false)'],
    [{ kernel_size: 2, divisor_override: 3 }, 'layer 0 (AvgPool2d): divisor_override = 3 is not supported (only null)'],
    [{ kernel_size: 8 }, 'layer 0 (AvgPool2d): a 8×8 window with padding 0×0 does not fit input [3, 7, 7] (the model input)'],
    [{ kernel_size: 2, count_include_pad: 1 }, 'layer 0 (AvgPool2d): count_include_pad must be true or false'],
  ])('refuses %j', (l, message) => {
    expect(() => at(l)).toThrow(message);
  });
});
