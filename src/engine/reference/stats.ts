/** Σ g², Σ w², Σ v² of each slot (float64): what slot_norms computes. */
export function slotNorms(slots: { offset: number; size: number }[], g: ArrayLike<number>, w: ArrayLike<number>, v: ArrayLike<number>): number[] {
  return slots.flatMap(({ offset, size }) => {
    let a = 0;
    let b = 0;
    let c = 0;
    for (let i = offset; i < offset + size; i++) {
      a += g[i] * g[i];
      b += w[i] * w[i];
      c += v[i] * v[i];
    }
    return [a, b, c];
  });
}
