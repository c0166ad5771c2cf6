// float64 reference for Conv2d, NCHW / OIHW (weights [O, C/G, KH, KW]): zero padding, and stride,
// dilation and groups (G) as PyTorch defines them; all three default to 1.
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
  SH?: number;
  SW?: number;
  DH?: number;
  DW?: number;
  G?: number;
}

const full = (s: ConvShape) => ({ SH: s.SH ?? 1, SW: s.SW ?? 1, DH: s.DH ?? 1, DW: s.DW ?? 1, G: s.G ?? 1 });

/** PyTorch's output size: ⌊(H + 2·PH − DH·(KH − 1) − 1) / SH⌋ + 1 (OW likewise). */
export function convOut(s: ConvShape) {
  const { SH, SW, DH, DW } = full(s);
  return { OH: Math.floor((s.H + 2 * s.PH - DH * (s.KH - 1) - 1) / SH) + 1, OW: Math.floor((s.W + 2 * s.PW - DW * (s.KW - 1) - 1) / SW) + 1 };
}

/** Calls f(yi, xi, wi) for every product y[yi] += x[xi]·w[wi] of the convolution (inside the input). */
function eachProduct(s: ConvShape, f: (yi: number, xi: number, wi: number, o: number) => void): void {
  const { OH, OW } = convOut(s);
  const { SH, SW, DH, DW, G } = full(s);
  const Cg = s.C / G;
  const Og = s.O / G;
  for (let n = 0; n < s.N; n++)
    for (let o = 0; o < s.O; o++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const yi = ((n * s.O + o) * OH + i) * OW + j;
          f(yi, -1, -1, o);
          for (let cg = 0; cg < Cg; cg++) {
            const c = Math.floor(o / Og) * Cg + cg;
            for (let p = 0; p < s.KH; p++) {
              const h = i * SH + p * DH - s.PH;
              if (h < 0 || h >= s.H) continue;
              for (let q = 0; q < s.KW; q++) {
                const v = j * SW + q * DW - s.PW;
                if (v < 0 || v >= s.W) continue;
                f(yi, ((n * s.C + c) * s.H + h) * s.W + v, ((o * Cg + cg) * s.KH + p) * s.KW + q, o);
              }
            }
          }
        }
}

export function conv2dForward(x: A, w: A, b: A | null, s: ConvShape): Float64Array {
  const { OH, OW } = convOut(s);
  const y = new Float64Array(s.N * s.O * OH * OW);
  eachProduct(s, (yi, xi, wi, o) => {
    if (xi < 0) y[yi] = b ? b[o] : 0;
    else y[yi] += x[xi] * w[wi];
  });
  return y;
}

export function conv2dBackward(x: A, w: A, dy: A, s: ConvShape) {
  const dx = new Float64Array(s.N * s.C * s.H * s.W);
  const dw = new Float64Array((s.O * s.C * s.KH * s.KW) / full(s).G);
  const db = new Float64Array(s.O);
  eachProduct(s, (yi, xi, wi, o) => {
    const g = dy[yi];
    if (xi < 0) db[o] += g;
    else {
      dx[xi] += g * w[wi];
      dw[wi] += g * x[xi];
    }
  });
  return { dx, dw, db };
}
