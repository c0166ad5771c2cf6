// Central finite differences in float64, to check each reference backward.
// L(inputs) = Σ r ⊙ f(inputs) for a fixed random r, so dL/dy = r is what backward receives.

export function numericGrads(f: (inputs: Float64Array[]) => ArrayLike<number>, inputs: Float64Array[], r: ArrayLike<number>, h = 1e-6): Float64Array[] {
  const L = () => {
    const y = f(inputs);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += r[i] * y[i];
    return s;
  };
  return inputs.map((x) => {
    const g = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const keep = x[i];
      x[i] = keep + h;
      const up = L();
      x[i] = keep - h;
      const down = L();
      x[i] = keep;
      g[i] = (up - down) / (2 * h);
    }
    return g;
  });
}

/** Largest |a - b| relative to (1e-6 + |b|), for comparing analytic and numeric gradients. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1e-6 + Math.abs(b[i])));
  return w;
}

export function randArray(n: number, rand: () => number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => (2 * rand() - 1) * scale);
}
