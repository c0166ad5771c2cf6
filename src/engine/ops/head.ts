// The classifier head (GAP → 1×1 conv or Linear → LogSoftmax) in one dispatch forward and one
// backward; see shaders/head.wgsl.
import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/head.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../runtime';
import type { Partials } from './conv2d';

const code = common + source;

export interface HeadDims {
  N: number;
  /** Input channels and pixels per channel (pooled away), output classes. */
  C: number;
  HW: number;
  O: number;
}

/** Whether the fused kernels take these sizes (a workgroup holds max(C, O) values per sample). */
export const headFits = (d: Omit<HeadDims, 'N'>) => d.C >= 1 && d.O >= 1 && d.C <= 256 && d.O <= 256;

const spw = (d: HeadDims) => Math.max(1, Math.floor(256 / Math.max(d.C, d.O)));
/** Workgroups, and so partial sums of the weight gradient. */
export const headGroups = (d: HeadDims) => Math.ceil(d.N / spw(d));

function params(rt: Runtime, d: HeadDims) {
  return rt.params({ u: [d.N, d.C, d.HW, d.O, spw(d)] });
}

/** y = log_softmax(W·mean_hw(x) + b); `pooled` [N, C] is kept for backward. */
export function headForward(rt: Runtime, d: HeadDims, x: Binding, w: Binding, b: Binding | undefined, pooled: Binding, y: Binding): Call {
  const G = headGroups(d);
  return rt.dispatch({
    kernel: kernel(code, 'head_forward'),
    bind: { P: params(rt, d), x, w, b: b ?? rt.dummy, pooled, y },
    grid: grid1d(G * 256),
    constants: { HAS_BIAS: b ? 1 : 0 },
    cost: {
      bytes: 4 * (d.N * d.C * d.HW + d.O * d.C + d.N * d.C + d.N * d.O),
      flops: d.N * d.C * d.HW + 2 * d.N * d.O * d.C + 4 * d.N * d.O,
      serial: Math.max(d.HW, d.C, 2 * d.O),
    },
  });
}

/**
 * dx of the pooled input, and the first stage of dW (and db): one partial per workgroup into
 * `partialW` ([headGroups(d), O, C]) and `partialB` ([headGroups(d), O]).
 */
export function headBackward(
  rt: Runtime,
  d: HeadDims,
  dy: Binding,
  y: Binding,
  pooled: Binding,
  w: Binding,
  dx: Binding,
  partialW: Binding,
  partialB: Binding | null,
): { call: Call; weight: Omit<Partials, 'call'>; bias: Omit<Partials, 'call'> } {
  const G = headGroups(d);
  const call = rt.dispatch({
    kernel: kernel(code, 'head_backward'),
    bind: { Q: params(rt, d), dlogp: dy, logp: y, pooled_in: pooled, w_in: w, dx, partial_w: partialW, partial_b: partialB ?? rt.dummy },
    grid: grid1d(G * 256),
    constants: { HAS_BIAS: partialB ? 1 : 0 },
    cost: {
      bytes: 4 * (2 * d.N * d.O + d.N * d.C + d.O * d.C + d.N * d.C * d.HW + G * d.O * (d.C + 1)),
      flops: 4 * d.N * d.O + 4 * d.N * d.O * d.C + d.N * d.C * d.HW,
      serial: Math.max(d.O, spw(d), Math.ceil((spw(d) * d.C * d.HW) / 256)),
    },
  });
  return { call, weight: { count: d.O * d.C, S: G }, bias: { count: d.O, S: G } };
}
