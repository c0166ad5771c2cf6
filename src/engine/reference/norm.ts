// float64 reference for GroupNorm and LayerNorm (rows of D values, see shaders/norm.wgsl), written
// per row and per parameter with the textbook formulas rather than the kernels' layout.
import { normParams, type NormDims } from '../ops/norm';

type A = ArrayLike<number>;
type Dims = Omit<NormDims, 'eps'> & { eps: number };

/** Row r's values' affine index e → parameter. */
const param = (d: Dims, r: number, e: number) => Math.floor(((r % d.G) * d.D + e) / d.A);

export function normForward(x: A, d: Dims, gamma?: A, beta?: A) {
  const R = d.N * d.G;
  const y = new Float64Array(R * d.D);
  const mean = new Float64Array(R);
  const rstd = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    const row = Array.from({ length: d.D }, (_, e) => x[r * d.D + e]);
    const m = row.reduce((s, v) => s + v, 0) / d.D;
    const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / d.D;
    mean[r] = m;
    rstd[r] = 1 / Math.sqrt(v + d.eps);
    row.forEach((u, e) => {
      const p = param(d, r, e);
      y[r * d.D + e] = (u - m) * rstd[r] * (gamma ? gamma[p] : 1) + (beta ? beta[p] : 0);
    });
  }
  return { y, mean, rstd };
}

export function normBackward(x: A, dy: A, d: Dims, gamma?: A) {
  const { mean, rstd } = normForward(x, d, gamma);
  const R = d.N * d.G;
  const dx = new Float64Array(R * d.D);
  const P = normParams(d);
  const dgamma = new Float64Array(P);
  const dbeta = new Float64Array(P);
  for (let r = 0; r < R; r++) {
    const at = (e: number) => r * d.D + e;
    const xhat = (e: number) => (x[at(e)] - mean[r]) * rstd[r];
    const g = (e: number) => dy[at(e)] * (gamma ? gamma[param(d, r, e)] : 1);
    let sg = 0;
    let sgx = 0;
    for (let e = 0; e < d.D; e++) {
      sg += g(e);
      sgx += g(e) * xhat(e);
      dgamma[param(d, r, e)] += dy[at(e)] * xhat(e);
      dbeta[param(d, r, e)] += dy[at(e)];
    }
    for (let e = 0; e < d.D; e++) dx[at(e)] = rstd[r] * (g(e) - sg / d.D - (xhat(e) * sgx) / d.D);
  }
  return { dx, dgamma, dbeta };
}
