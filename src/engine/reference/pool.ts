// float64 reference for MaxPool2d (any kernel, stride and padding; floor mode) and AdaptiveAvgPool2d(1).
import { poolOut } from '../ops/pool';
import type { PoolWindow } from '../spec';

type A = ArrayLike<number>;

export interface PoolShape {
  N: number;
  C: number;
  H: number;
  W: number;
}

/** Windows as PyTorch lays them out; cells outside the input are skipped (its −inf padding never wins). */
export function maxpoolForward(x: A, s: PoolShape, win: PoolWindow) {
  const { OH, OW } = poolOut({ ...s, ...win });
  const y = new Float64Array(s.N * s.C * OH * OW);
  const arg = new Int32Array(y.length);
  for (let nc = 0; nc < s.N * s.C; nc++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++) {
        let best = -Infinity;
        let bi = -1;
        for (let p = Math.max(0, i * win.sh - win.ph); p < Math.min(s.H, i * win.sh - win.ph + win.kh); p++)
          for (let q = Math.max(0, j * win.sw - win.pw); q < Math.min(s.W, j * win.sw - win.pw + win.kw); q++) {
            const k = (nc * s.H + p) * s.W + q;
            if (bi < 0 || x[k] > best || Number.isNaN(x[k])) {
              best = x[k];
              bi = k;
            }
          }
        const o = (nc * OH + i) * OW + j;
        y[o] = best;
        arg[o] = bi;
      }
  return { y, arg };
}

export function maxpoolBackward(dy: A, arg: ArrayLike<number>, inputSize: number) {
  const dx = new Float64Array(inputSize);
  for (let o = 0; o < dy.length; o++) dx[arg[o]] += dy[o];
  return dx;
}

export function gapForward(x: A, s: PoolShape) {
  const hw = s.H * s.W;
  const y = new Float64Array(s.N * s.C);
  for (let nc = 0; nc < y.length; nc++) {
    let t = 0;
    for (let k = 0; k < hw; k++) t += x[nc * hw + k];
    y[nc] = t / hw;
  }
  return y;
}

export function gapBackward(dy: A, s: PoolShape) {
  const hw = s.H * s.W;
  return Float64Array.from({ length: s.N * s.C * hw }, (_, k) => dy[Math.floor(k / hw)] / hw);
}
