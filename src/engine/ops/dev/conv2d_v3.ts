// conv2d v3's weight gradient: the engine's first stage with v3's split (chunks grow with the
// batch) and reduce_partials (one thread per weight adding all S partials), kept to measure v4's
// capped chunks and wide reduce_segments against.
import source from '../../../../shaders/dev/conv2d_v3_reduce.wgsl?raw';
import { kernel } from '../../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../../runtime';
import { conv2dWeightPartials, convOutSize, type ConvDims } from '../conv2d';

/** v3's split: about 64k threads, at least ~32 products per thread, no cap on the chunk. */
export function weightSplitV3(d: ConvDims, outputs: number): { S: number; chunk: number } {
  const { OH, OW } = convOutSize(d);
  const rows = d.N * OH;
  const want = Math.max(1, Math.min(Math.ceil((rows * OW) / 32), Math.ceil(65536 / outputs), rows));
  const chunk = Math.ceil(rows / want);
  return { S: Math.ceil(rows / chunk), chunk };
}

export function conv2dV3ScratchFloats(d: ConvDims): number {
  const nw = d.O * d.C * d.KH * d.KW;
  return weightSplitV3(d, d.O * d.C).S * nw;
}

/** dw, 3×3-class kernels (≤ 7×7): two dispatches as in v3. */
export function conv2dBackwardWeightV3(rt: Runtime, d: ConvDims, dy: Binding, x: Binding, dw: Binding, scratch: Binding): Call[] {
  const nw = d.O * d.C * d.KH * d.KW;
  const split = weightSplitV3(d, d.O * d.C);
  const p = conv2dWeightPartials(rt, d, dy, x, scratch, { perElement: false, split });
  const reduce = rt.dispatch({
    kernel: kernel(source, 'reduce_partials'),
    bind: { P: rt.params({ u: [nw, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, split.S, 0] }), partials: scratch, total: dw },
    grid: grid1d(nw),
    cost: { bytes: 4 * nw * (split.S + 1), flops: nw * split.S, serial: split.S },
    label: 'conv2d_weight_reduce v3',
  });
  return [p.call, reduce];
}
