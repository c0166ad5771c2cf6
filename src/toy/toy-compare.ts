// GPU (float32) against the float64 reference, the way the fixture tests compare: a value agrees
// when |got − want| ≤ ABS + REL·|want|. A relative difference alone says nothing once the values
// approach what float32 can resolve: after convergence a_o rounds to exactly t in float32, so
// E_total and the gradients become exactly 0 on the GPU while the float64 reference keeps shrinking
// (1e-20, 1e-30, …): a "relative difference" of 1 or more there is float32's limit, not a GPU error.
import type { ToyState } from './toy';

/**
 * Absolute tolerance: a few float32 roundings (ε = 1.19e-7) of values of size 1. A weight that was
 * 0.4 and crosses 0 keeps the absolute rounding error it gathered (~1e-7 after a thousand steps).
 */
export const ABS = 1e-6;
/** Relative tolerance: rounding that accumulates over thousands of float32 steps. */
export const REL = 1e-5;
/** float32's machine epsilon (2⁻²³). */
export const F32_EPS = 2 ** -23;

/** The exponent k of float32's spacing 2^k between neighbours at |x| (normal range). */
export function f32SpacingExponent(x: number): number {
  return Math.max(-149, Math.floor(Math.log2(Math.abs(x) || 2 ** -126)) - 23);
}

export const comparedValues = (s: ToyState): number[] => [s.E_total, s.a_h1, s.a_h2, s.a_o1, s.a_o2, ...s.dw, ...s.w, s.db1, s.db2, s.b1, s.b2];

/** max |got − want| / (ABS + REL·|want|) over one iteration's values: ≤ 1 agrees. NaN on one side only counts as ∞. */
export function agreement(got: ToyState, want: ToyState): number {
  const a = comparedValues(got);
  const b = comparedValues(want);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      if (Number.isFinite(a[i]) !== Number.isFinite(b[i])) worst = Infinity;
      continue;
    }
    const d = Math.abs(a[i] - b[i]);
    if (d) worst = Math.max(worst, d / (ABS + REL * Math.abs(b[i])));
  }
  return worst;
}

/** Where float32's limit shows: E_total or a gradient is 0 (or under float32's normal range) on the GPU but not in float64, or off by over 1% relative while within tolerance. */
export function float32Limited(got: ToyState, want: ToyState): boolean {
  const pairs: [number, number][] = [[got.E_total, want.E_total], ...got.dw.map((v, i): [number, number] => [v, want.dw[i]])];
  return pairs.some(([g, w]) => w !== 0 && Number.isFinite(g) && Math.abs(g - w) > 0.01 * Math.abs(w) && Math.abs(g - w) <= ABS + REL * Math.abs(w));
}

/** Running comparison of a growing history: per iteration, the worst agreement so far and the first iteration where float32's limit shows. */
export class Comparison {
  /** worstSoFar[k] = max agreement over iterations 0…k. */
  private worstSoFar: number[] = [];
  /** First iteration where float32Limited holds, or null. */
  limitedFrom: number | null = null;

  get length(): number {
    return this.worstSoFar.length;
  }

  /** Compare iterations from `this.length` up to the shorter of the two histories. */
  extend(gpu: ToyState[], ref: ToyState[]): void {
    const n = Math.min(gpu.length, ref.length);
    for (let k = this.worstSoFar.length; k < n; k++) {
      const prev = k ? this.worstSoFar[k - 1] : 0;
      this.worstSoFar.push(Math.max(prev, agreement(gpu[k], ref[k])));
      if (this.limitedFrom === null && float32Limited(gpu[k], ref[k])) this.limitedFrom = k;
    }
  }

  /** Worst agreement over iterations 0…k (0 before anything is compared). */
  upTo(k: number): number {
    if (!this.worstSoFar.length) return 0;
    return this.worstSoFar[Math.min(k, this.worstSoFar.length - 1)];
  }

  clear(): void {
    this.worstSoFar = [];
    this.limitedFrom = null;
  }
}
