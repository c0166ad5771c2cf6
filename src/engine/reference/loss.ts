// float64 reference for LogSoftmax(dim=1), NLL (mean) and the toy network's ½·SSE.
type A = ArrayLike<number>;

export function logSoftmaxForward(x: A, B: number, C: number): Float64Array {
  const y = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    // The tail form, as the kernels: m + log(Σ exp) would round away a tail below 1e-16 of m.
    let a = 0;
    for (let c = 1; c < C; c++) if (x[b * C + c] > x[b * C + a]) a = c;
    const m = x[b * C + a];
    let u = 0;
    for (let c = 0; c < C; c++) if (c !== a) u += Math.exp(x[b * C + c] - m);
    const l = Math.log1p(u);
    for (let c = 0; c < C; c++) y[b * C + c] = x[b * C + c] - m - l;
  }
  return y;
}

export function logSoftmaxBackward(y: A, dy: A, B: number, C: number): Float64Array {
  const dx = new Float64Array(B * C);
  for (let b = 0; b < B; b++) {
    // At the argmax a, dy_a·(1 - p_a) - p_a·Σ_{c≠a} dy_c with 1 - p_a = Σ_{c≠a} p_c: p_a - 1 by
    // subtraction loses every digit of a sure row's gradient.
    let a = 0;
    for (let c = 1; c < C; c++) if (y[b * C + c] > y[b * C + a]) a = c;
    let [s, sa, t] = [0, 0, 0];
    for (let c = 0; c < C; c++) {
      s += dy[b * C + c];
      if (c !== a) [sa, t] = [sa + dy[b * C + c], t + Math.exp(y[b * C + c])];
    }
    for (let c = 0; c < C; c++) {
      const p = Math.exp(y[b * C + c]);
      dx[b * C + c] = c === a ? dy[b * C + c] * t - p * sa : dy[b * C + c] - p * s;
    }
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
