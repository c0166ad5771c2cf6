// float64 reference for AvgPool2d(kernel, stride, padding, count_include_pad), floor mode. The
// backward scatters each output's gradient over its window (the kernel gathers instead), so the
// two are computed differently.
import type { AvgPoolDims } from '../ops/avgpool';
import { avgpoolOut } from '../ops/avgpool';

type A = ArrayLike<number>;
type Dims = Omit<AvgPoolDims, 'N' | 'C'> & { N: number; C: number };

function windows(d: Dims, each: (nc: number, o: number, cells: number[], div: number) => void): void {
  const { OH, OW } = avgpoolOut(d);
  for (let nc = 0; nc < d.N * d.C; nc++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        const cells: number[] = [];
        for (let p = i * d.sh - d.ph; p < i * d.sh - d.ph + d.kh; p++)
          for (let q = j * d.sw - d.pw; q < j * d.sw - d.pw + d.kw; q++) if (p >= 0 && p < d.H && q >= 0 && q < d.W) cells.push((nc * d.H + p) * d.W + q);
        each(nc, (nc * OH + i) * OW + j, cells, d.includePad ? d.kh * d.kw : cells.length);
      }
}

export function avgpoolForward(x: A, d: Dims): Float64Array {
  const { OH, OW } = avgpoolOut(d);
  const y = new Float64Array(d.N * d.C * OH * OW);
  windows(d, (_, o, cells, div) => (y[o] = cells.reduce((s, k) => s + x[k], 0) / div));
  return y;
}

export function avgpoolBackward(dy: A, d: Dims): Float64Array {
  const dx = new Float64Array(d.N * d.C * d.H * d.W);
  windows(d, (_, o, cells, div) => {
    for (const k of cells) dx[k] += dy[o] / div;
  });
  return dx;
}
