// float64 reference for PyTorch's SGD: d = g + wd·w; v = μ·v + d; w -= lr·v. Updates w and v in place.
export function sgdStep(w: Float64Array, g: ArrayLike<number>, v: Float64Array, lr: number, momentum: number, weightDecay: number): void {
  for (let i = 0; i < w.length; i++) {
    const d = g[i] + weightDecay * w[i];
    v[i] = momentum * v[i] + d;
    w[i] -= lr * v[i];
  }
}
