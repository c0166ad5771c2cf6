import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/norm.wgsl?raw';
import { kernel, type Kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';

const code = common + source;

/**
 * A GroupNorm or LayerNorm at batch N: G rows of D values per sample; parameter a covers A
 * consecutive values of a sample (GroupNorm: a channel, A = H·W; LayerNorm: one value, A = 1).
 */
export interface NormDims {
  N: number;
  G: number;
  D: number;
  A: number;
  eps: number;
  affine: boolean;
}

/** Parameters (γ and β each): G·D / A. */
export const normParams = (d: Pick<NormDims, 'G' | 'D' | 'A'>) => (d.G * d.D) / d.A;

const NO_AFFINE = { gamma_at: 'fn gamma_at(a: u32) -> f32 { return 1.0; }', beta_at: 'fn beta_at(a: u32) -> f32 { return 0.0; }' };
const normKernel = (entry: string, affine: boolean): Kernel => kernel(code, entry, affine ? {} : NO_AFFINE);

/**
 * The weight partials' split: a thread sums `chunk` samples × `span` of a parameter's A values
 * (at most 256), Q spans per parameter; S = ⌈N / chunk⌉·Q partial vectors of P floats.
 */
export function normSplit(d: Pick<NormDims, 'N' | 'A'>): { chunk: number; span: number; Q: number; S: number } {
  const span = Math.min(d.A, 256);
  const chunk = Math.min(d.N, Math.max(1, Math.floor(256 / span)));
  const Q = Math.ceil(d.A / span);
  return { chunk, span, Q, S: Math.ceil(d.N / chunk) * Q };
}

const rowParams = (rt: Runtime, d: NormDims) => rt.params({ u: [d.N * d.G, d.G, d.D, d.A], f: [d.eps] });

/** y and `stats` ([mean, rstd] per row, 2·N·G floats, for backward). */
export function normForward(rt: Runtime, d: NormDims, b: { x: Binding; gamma?: Binding; beta?: Binding; y: Binding; stats: Binding }): Call {
  const n = d.N * d.G * d.D;
  return rt.dispatch({
    kernel: normKernel('norm_forward', d.affine),
    bind: { NP: rowParams(rt, d), x: b.x, y: b.y, stats: b.stats, ...(d.affine ? { gamma: b.gamma!, beta: b.beta! } : {}) },
    grid: grid1d(256 * d.N * d.G),
    cost: { bytes: 4 * 3 * n, flops: 7 * n, serial: 3 * Math.ceil(d.D / 256) + 16 },
  });
}

export function normBackwardInput(rt: Runtime, d: NormDims, b: { x: Binding; gamma?: Binding; dy: Binding; stats: Binding; dx: Binding }): Call {
  const n = d.N * d.G * d.D;
  return rt.dispatch({
    kernel: normKernel('norm_backward_input', d.affine),
    bind: { NP: rowParams(rt, d), x: b.x, dy: b.dy, stats_saved: b.stats, dx: b.dx, ...(d.affine ? { gamma: b.gamma! } : {}) },
    grid: grid1d(256 * d.N * d.G),
    cost: { bytes: 4 * 5 * n, flops: 10 * n, serial: 2 * Math.ceil(d.D / 256) + 8 },
  });
}

/** First stage of dγ and dβ: partial_w, partial_b hold S vectors of P floats (normSplit). */
export function normWeightPartials(
  rt: Runtime,
  d: NormDims,
  b: { x: Binding; dy: Binding; stats: Binding; partial_w: Binding; partial_b: Binding },
): { call: Call; count: number; S: number } {
  const P = normParams(d);
  const s = normSplit(d);
  const call = rt.dispatch({
    kernel: normKernel('norm_backward_weight', true),
    bind: {
      NW: rt.params({ u: [d.N, d.G, d.D, d.A, P, s.chunk, s.span, s.Q] }),
      x: b.x,
      dy: b.dy,
      stats_saved: b.stats,
      partial_w: b.partial_w,
      partial_b: b.partial_b,
    },
    grid: grid1d(s.S * P),
    cost: { bytes: 4 * 2 * d.N * d.G * d.D, flops: 4 * d.N * d.G * d.D, serial: s.chunk * s.span },
  });
  return { call, count: P, S: s.S };
}
