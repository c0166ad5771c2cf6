// Cell 11's sum over output pixels (src/mnist/cells/conv-backprop.ts) against the float64
// reference's weight gradient, for first convolutions with padding, stride, dilation and groups.
import { describe, expect, it } from 'vitest';
import { kernelSums, type ConvGrad } from '../src/mnist/cells/conv-backprop';
import { conv2dBackward, convOut, type ConvShape } from '../src/engine/reference/conv2d';
import { makeRng } from '../src/engine/rng';
import { randArray } from './fd';

const cases: ConvShape[] = [
  { N: 1, C: 1, H: 28, W: 28, O: 4, KH: 3, KW: 3, PH: 0, PW: 0 },
  { N: 1, C: 1, H: 13, W: 11, O: 3, KH: 3, KW: 3, PH: 1, PW: 1, SH: 2, SW: 2, DH: 2, DW: 2 },
  { N: 1, C: 4, H: 9, W: 8, O: 6, KH: 3, KW: 2, PH: 1, PW: 0, SH: 2, SW: 1, G: 2 },
];

describe("cell 11's ∂L/∂w sum", () => {
  for (const s of cases)
    it(JSON.stringify(s), () => {
      const rand = makeRng(5 + s.KW);
      const G = s.G ?? 1;
      const { OH, OW } = convOut(s);
      const x = randArray(s.C * s.H * s.W, rand);
      const dy = randArray(s.O * OH * OW, rand);
      const { dw } = conv2dBackward(x, new Float64Array((s.O * s.C * s.KH * s.KW) / G), dy, s);
      const g: ConvGrad = {
        layer: 0,
        shape: [s.O, s.C / G, s.KH, s.KW],
        inShape: [s.C, s.H, s.W],
        outShape: [s.O, OH, OW],
        ph: s.PH,
        pw: s.PW,
        sh: s.SH ?? 1,
        sw: s.SW ?? 1,
        dh: s.DH ?? 1,
        dw: s.DW ?? 1,
        groups: G,
        data: new Float32Array(0),
      };
      for (let o = 0; o < s.O; o++)
        for (let c = 0; c < s.C / G; c++) {
          const { sum, upTo } = kernelSums(g, x, dy, o, c, OH - 1, OW - 1);
          const want = Array.from({ length: s.KH }, (_, i) => Array.from({ length: s.KW }, (_, j) => dw[((o * (s.C / G) + c) * s.KH + i) * s.KW + j]));
          for (let i = 0; i < s.KH; i++)
            for (let j = 0; j < s.KW; j++) {
              expect(sum[i][j]).toBeCloseTo(want[i][j], 12);
              expect(upTo[i][j]).toBeCloseTo(want[i][j], 12); // the last pixel: every pixel summed
            }
        }
    });
});
