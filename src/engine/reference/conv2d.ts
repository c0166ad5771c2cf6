// float64 reference for Conv2d (stride 1, zero padding), NCHW / OIHW.
type A = ArrayLike<number>;

export interface ConvShape {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  PH: number;
  PW: number;
}

export function convOut(s: ConvShape) {
  return { OH: s.H + 2 * s.PH - s.KH + 1, OW: s.W + 2 * s.PW - s.KW + 1 };
}

export function conv2dForward(x: A, w: A, b: A | null, s: ConvShape): Float64Array {
  const { OH, OW } = convOut(s);
  const y = new Float64Array(s.N * s.O * OH * OW);
  for (let n = 0; n < s.N; n++)
    for (let o = 0; o < s.O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let acc = b ? b[o] : 0;
          for (let c = 0; c < s.C; c++)
            for (let p = 0; p < s.KH; p++) {
              const h = i + p - s.PH;
              if (h < 0 || h >= s.H) continue;
              for (let q = 0; q < s.KW; q++) {
                const v = j + q - s.PW;
                if (v < 0 || v >= s.W) continue;
                acc += x[((n * s.C + c) * s.H + h) * s.W + v] * w[((o * s.C + c) * s.KH + p) * s.KW + q];
              }
            }
          y[((n * s.O + o) * OH + i) * OW + j] = acc;
        }
  return y;
}

export function conv2dBackward(x: A, w: A, dy: A, s: ConvShape) {
  const { OH, OW } = convOut(s);
  const dx = new Float64Array(s.N * s.C * s.H * s.W);
  const dw = new Float64Array(s.O * s.C * s.KH * s.KW);
  const db = new Float64Array(s.O);
  for (let n = 0; n < s.N; n++)
    for (let o = 0; o < s.O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const g = dy[((n * s.O + o) * OH + i) * OW + j];
          db[o] += g;
          for (let c = 0; c < s.C; c++)
            for (let p = 0; p < s.KH; p++) {
              const h = i + p - s.PH;
              if (h < 0 || h >= s.H) continue;
              for (let q = 0; q < s.KW; q++) {
                const v = j + q - s.PW;
                if (v < 0 || v >= s.W) continue;
                const xi = ((n * s.C + c) * s.H + h) * s.W + v;
                const wi = ((o * s.C + c) * s.KH + p) * s.KW + q;
                dx[xi] += g * w[wi];
                dw[wi] += g * x[xi];
              }
            }
        }
  return { dx, dw, db };
}
