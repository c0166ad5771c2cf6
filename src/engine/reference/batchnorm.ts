// float64 reference for BatchNorm2d with PyTorch's semantics (see shaders/batchnorm.wgsl).
type A = ArrayLike<number>;

export interface BnShape {
  N: number;
  C: number;
  HW: number;
  eps: number;
}

const at = (s: BnShape, t: number, c: number) => (Math.floor(t / s.HW) * s.C + c) * s.HW + (t % s.HW);

/** Train mode: normalise with batch statistics; also returns what the running stats become. */
export function bnForwardTrain(x: A, gamma: A, beta: A, s: BnShape, runMean: A, runVar: A, momentum: number) {
  const n = s.N * s.HW;
  const y = new Float64Array(x.length);
  const mean = new Float64Array(s.C);
  const invstd = new Float64Array(s.C);
  const newMean = new Float64Array(s.C);
  const newVar = new Float64Array(s.C);
  for (let c = 0; c < s.C; c++) {
    let sum = 0;
    for (let t = 0; t < n; t++) sum += x[at(s, t, c)];
    const m = sum / n;
    let m2 = 0;
    for (let t = 0; t < n; t++) m2 += (x[at(s, t, c)] - m) ** 2;
    const is = 1 / Math.sqrt(m2 / n + s.eps);
    mean[c] = m;
    invstd[c] = is;
    for (let t = 0; t < n; t++) {
      const k = at(s, t, c);
      y[k] = (x[k] - m) * is * gamma[c] + beta[c];
    }
    newMean[c] = (1 - momentum) * runMean[c] + momentum * m;
    newVar[c] = (1 - momentum) * runVar[c] + momentum * (m2 / (n - 1));
  }
  return { y, mean, invstd, newMean, newVar };
}

export function bnForwardEval(x: A, gamma: A, beta: A, s: BnShape, runMean: A, runVar: A) {
  const y = new Float64Array(x.length);
  for (let k = 0; k < x.length; k++) {
    const c = Math.floor(k / s.HW) % s.C;
    y[k] = ((x[k] - runMean[c]) / Math.sqrt(runVar[c] + s.eps)) * gamma[c] + beta[c];
  }
  return y;
}

/** mean/invstd: the batch's (train) or from the running stats (eval: invstd = 1/sqrt(var + eps)). */
export function bnBackward(x: A, gamma: A, dy: A, s: BnShape, mean: A, invstd: A, train: boolean) {
  const n = s.N * s.HW;
  const dx = new Float64Array(x.length);
  const dgamma = new Float64Array(s.C);
  const dbeta = new Float64Array(s.C);
  for (let c = 0; c < s.C; c++) {
    let sdy = 0;
    let sdyx = 0;
    for (let t = 0; t < n; t++) {
      const k = at(s, t, c);
      sdy += dy[k];
      sdyx += dy[k] * (x[k] - mean[c]) * invstd[c];
    }
    dgamma[c] = sdyx;
    dbeta[c] = sdy;
    for (let t = 0; t < n; t++) {
      const k = at(s, t, c);
      const xh = (x[k] - mean[c]) * invstd[c];
      dx[k] = train ? gamma[c] * invstd[c] * (dy[k] - sdy / n - (xh * sdyx) / n) : gamma[c] * invstd[c] * dy[k];
    }
  }
  return { dx, dgamma, dbeta };
}
