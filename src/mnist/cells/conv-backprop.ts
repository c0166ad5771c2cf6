// The arithmetic of cell 11 (conv-backprop-cell.ts), apart from its rendering so that a test can
// check it against the float64 reference: one kernel's ∂L/∂w as a sum over output pixels, for any
// padding, stride, dilation and groups of the first convolution.
import type { Inside } from '../protocol';

export type ConvGrad = NonNullable<Inside['firstConvGrad']>;

export const grid = (rows: number, cols: number, f: (i: number, j: number) => number) =>
  Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => f(i, j)));

/** Input row and column that kernel tap (i, j) of output pixel (y, x) reads. */
export const tapAt = (g: ConvGrad, y: number, x: number, i: number, j: number): [number, number] => [y * g.sh + i * g.dh - g.ph, x * g.sw + j * g.dw - g.pw];

/** The input channel that kernel channel c of output channel o reads (its group's c-th). */
export const inChannel = (g: ConvGrad, o: number, c: number) => Math.floor(o / (g.shape[0] / g.groups)) * g.shape[1] + c;

/**
 * Kernel (o, c) at output pixel (y, x): its input patch, and in float64 ∂L/∂w summed over every
 * output pixel (`sum`) and over the pixels up to (y, x) in row order (`upTo`).
 */
export function kernelSums(g: ConvGrad, X: ArrayLike<number>, dY: ArrayLike<number>, o: number, c: number, y: number, x: number) {
  const [, OH, OW] = g.outShape;
  const [, H, W] = g.inShape;
  const [, , KH, KW] = g.shape;
  const ci = inChannel(g, o, c);
  const xAt = ([yy, xx]: [number, number]) => (yy < 0 || xx < 0 || yy >= H || xx >= W ? 0 : X[(ci * H + yy) * W + xx]);
  const dyAt = (yy: number, xx: number) => dY[(o * OH + yy) * OW + xx];
  const patch = grid(KH, KW, (i, j) => xAt(tapAt(g, y, x, i, j)));
  const sum = grid(KH, KW, () => 0);
  const upTo = grid(KH, KW, () => 0);
  for (let yy = 0; yy < OH; yy++)
    for (let xx = 0; xx < OW; xx++)
      for (let i = 0; i < KH; i++)
        for (let j = 0; j < KW; j++) {
          const t = dyAt(yy, xx) * xAt(tapAt(g, yy, xx, i, j));
          sum[i][j] += t;
          if (yy * OW + xx <= y * OW + x) upTo[i][j] += t;
        }
  return { ci, patch, sum, upTo, dy: dyAt(y, x) };
}
