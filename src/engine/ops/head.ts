// The classifier head (GAP → 1×1 conv or Linear → LogSoftmax) in one dispatch forward and one
// backward; see shaders/head.wgsl.
import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/head.wgsl?raw';
import { grid1d, type Binding, type Call, type KernelRef, type Runtime } from '../runtime';
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
  return rt.call(
    'head_forward',
    code,
    'head_forward',
    [params(rt, d), x, w, b ?? rt.dummy, pooled, y],
    grid1d(G * 256),
    { HAS_BIAS: b ? 1 : 0 },
    {
      bytes: 4 * (d.N * d.C * d.HW + d.O * d.C + d.N * d.C + d.N * d.O),
      flops: d.N * d.C * d.HW + 2 * d.N * d.O * d.C + 4 * d.N * d.O,
      serial: Math.max(d.HW, d.C, 2 * d.O),
    },
  );
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
  const call = rt.call(
    'head_backward',
    code,
    'head_backward',
    [params(rt, d), dy, y, pooled, w, dx, partialW, partialB ?? rt.dummy],
    grid1d(G * 256),
    { HAS_BIAS: partialB ? 1 : 0 },
    {
      bytes: 4 * (2 * d.N * d.O + d.N * d.C + d.O * d.C + d.N * d.C * d.HW + G * d.O * (d.C + 1)),
      flops: 4 * d.N * d.O + 4 * d.N * d.O * d.C + d.N * d.C * d.HW,
      serial: Math.max(d.O, spw(d), Math.ceil((spw(d) * d.C * d.HW) / 256)),
    },
  );
  return { call, weight: { count: d.O * d.C, S: G }, bias: { count: d.O, S: G } };
}

export const headKernels: KernelRef[] = [0, 1].flatMap((HAS_BIAS) => [
  { code, entry: 'head_forward', constants: { HAS_BIAS } },
  { code, entry: 'head_backward', constants: { HAS_BIAS } },
]);
