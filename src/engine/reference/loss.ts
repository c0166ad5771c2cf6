// float64 reference for LogSoftmax(dim=1), NLL (mean) and the toy network's ½·SSE.
type A = ArrayLike<number>;

export function logSoftmaxForward(x: A, B: number, C: number): Float64Array {
  const y = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, x[b * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[b * C + c] - m);
    const lse = m + Math.log(s);
    for (let c = 0; c < C; c++) y[b * C + c] = x[b * C + c] - lse;
  }
  return y;
}

export function logSoftmaxBackward(y: A, dy: A, B: number, C: number): Float64Array {
  const dx = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let c = 0; c < C; c++) s += dy[b * C + c];
    for (let c = 0; c < C; c++) dx[b * C + c] = dy[b * C + c] - Math.exp(y[b * C + c]) * s;
  }
  return dx;
}

export function nllLoss(logp: A, target: A, B: number, C: number) {
  let sum = 0;
  let correct = 0;
  const dlogp = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    const t = target[b];
    sum += logp[b * C + t];
    dlogp[b * C + t] = -1 / B;
    let best = 0;
    for (let c = 1; c < C; c++) if (logp[b * C + c] > logp[b * C + best]) best = c;
    if (best === t) correct++;
  }
  return { loss: -sum / B, dlogp, correct };
}

export function halfSse(y: A, t: A) {
  let e = 0;
  const dy = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) {
    e += 0.5 * (t[k] - y[k]) ** 2;
    dy[k] = y[k] - t[k];
  }
  return { loss: e, dy };
}
