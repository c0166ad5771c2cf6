// Conv2d as a GPU layer: per pass, the direct kernels, the implicit GEMM (GPU tunings) or the
// barrier-free CPU block, as convChoice says; a strided, dilated or grouped Conv2d takes
// conv2d_general's kernels. units.ts fuses a 1×1 conv with its pool and BatchNorm's statistics.
import {
  biasPartialFloats,
  conv2dBackward,
  conv2dBackwardInput,
  conv2dBiasPartials,
  conv2dForward,
  conv2dWeightPartials,
  fusedBackward,
  weightPartialFloats,
  type ConvDims,
  type Unpool,
} from './ops/conv2d';
import {
  biasDims,
  conv2dGeneralBackwardInput,
  conv2dGeneralForward,
  conv2dGeneralWeightPartials,
  generalWeightPartialFloats,
  type GeneralConvDims,
} from './ops/conv2d_general';
import { cpuConv2dBackwardInput, cpuConv2dForward, cpuConv2dWeightPartials, cpuWeightSplit } from './ops/conv_cpu';
import { convChoice, gemmConv2dBackwardInput, gemmConv2dForward, gemmWeightRounds, gemmWeightSplit } from './ops/gemm_conv2d';
import type { GpuLayer, LayerCtx } from './layers';
import type { Binding, Call, Runtime } from './runtime';
import { plainPoolK, type LayerInfo } from './spec';

type Conv = Extract<LayerInfo, { type: 'Conv2d' }>;

/** A Conv2d's GPU layer. */
export function convLayer(l: Conv): GpuLayer {
  if (l.general) return generalConv(l);
  return {
    info: l,
    forward: (c) => [convForward(c, l)],
    backward: (c) => convBackward(c, l, c.dy.buf, c.x.buf, c.dx?.buf ?? null),
    partialFloats: (N, rt) => convPartialFloats(l, N, rt),
  };
}

/**
 * A 1×1 Conv2d whose MaxPool2d the fused conv1x1_pool unit can compute: its pool must be K×K with
 * stride K and no padding (each conv output in at most one window, see conv2d_unpool.wgsl).
 */
export function fusesWithPool(l: Conv, next: LayerInfo | undefined): next is Extract<LayerInfo, { type: 'MaxPool2d' }> {
  return !l.general && l.kh === 1 && l.kw === 1 && l.ph === 0 && l.pw === 0 && next?.type === 'MaxPool2d' && plainPoolK(next) !== null;
}

export function convDims(l: Conv, N: number): ConvDims {
  return { N, C: l.inC, H: l.inShape[1], W: l.inShape[2], O: l.outC, KH: l.kh, KW: l.kw, PH: l.ph, PW: l.pw };
}

/**
 * A convolution's backward: dx and the first stages of dw (and db); their second stage is the
 * plan's one reduction dispatch.
 */
export function convBackward(c: LayerCtx, l: Conv, dy: Binding, x: Binding, dx: Binding | null, unpool?: Unpool): Call[] {
  const d = convDims(l, c.N);
  const calls: Call[] = [];
  const long = c.rt.tuning.longWeightChunks;
  const wc = convChoice(c.rt, d, 'weight', !!unpool);
  const ic = dx ? convChoice(c.rt, d, 'input', !!unpool) : null;
  const weight = c.paramAt(l.index, 'weight');
  let dxDone = false;
  if (wc.kind === 'gemm') {
    // The GEMM's K split is bounded (gemmWeightSplit): rounds, or one split round reduced later.
    const split = gemmWeightSplit(c.rt, d, wc.tile);
    const wp = split.S > 1 ? c.partials(split.S * numelW(d)) : undefined;
    calls.push(...gemmWeightRounds(c.rt, d, dy, x, c.gradAt(l.index, 'weight'), wp, wc.tile, split, (s) => c.reduceLater(s)));
  } else if (wc.kind === 'cpu') {
    // Unsplit: dw itself; split: partials reduced with the plan's other sums.
    const { S } = cpuWeightSplit(d, wc.block);
    const out = c.gradAt(l.index, 'weight');
    const wp = S > 1 ? c.partials(S * numelW(d)) : out;
    const w = cpuConv2dWeightPartials(c.rt, d, dy, x, wp, wc.block);
    calls.push(w.call);
    if (S > 1) c.reduceLater({ partial: wp, count: w.count, S: w.S, out });
  } else {
    const wp = c.partials(weightPartialFloats(d, long));
    const fused = dx && ic?.kind === 'direct' && fusedBackward(d);
    const w = fused ? conv2dBackward(c.rt, d, dy, weight, dx, x, wp, unpool) : conv2dWeightPartials(c.rt, d, dy, x, wp, { unpool });
    dxDone = !!fused;
    calls.push(w.call);
    c.reduceLater({ partial: wp, count: w.count, S: w.S, out: c.gradAt(l.index, 'weight') });
  }
  if (l.bias) {
    const bp = c.partials(biasPartialFloats(d, long));
    const b = conv2dBiasPartials(c.rt, d, dy, bp, unpool);
    calls.push(b.call);
    c.reduceLater({ partial: bp, count: b.count, S: b.S, out: c.gradAt(l.index, 'bias') });
  }
  if (dx && !dxDone)
    calls.push(
      ic?.kind === 'gemm'
        ? gemmConv2dBackwardInput(c.rt, d, dy, weight, dx, ic.tile)
        : ic?.kind === 'cpu'
          ? cpuConv2dBackwardInput(c.rt, d, dy, weight, dx, ic.block)
          : conv2dBackwardInput(c.rt, d, dy, weight, dx, unpool),
    );
  return calls;
}

const numelW = (d: ConvDims) => d.O * d.C * d.KH * d.KW;

/** The partials(floats) requests of convBackward, in its order. */
export function convPartialFloats(l: Conv, N: number, rt: Runtime, unpool = false): number[] {
  const d = convDims(l, N);
  const long = rt.tuning.longWeightChunks;
  const wc = convChoice(rt, d, 'weight', unpool);
  const S = wc.kind === 'gemm' ? gemmWeightSplit(rt, d, wc.tile).S : wc.kind === 'cpu' ? cpuWeightSplit(d, wc.block).S : 0;
  const w = wc.kind === 'direct' ? [weightPartialFloats(d, long)] : S > 1 ? [S * numelW(d)] : [];
  return l.bias ? [...w, biasPartialFloats(d, long)] : w;
}

/** A plain convolution's forward: the GEMM or the direct kernel, as convChoice says. */
function convForward(c: LayerCtx, l: Conv): Call {
  const d = convDims(l, c.N);
  const ch = convChoice(c.rt, d, 'forward');
  const b = l.bias ? c.param('bias') : undefined;
  if (ch.kind === 'gemm') return gemmConv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b, ch.tile);
  if (ch.kind === 'cpu') return cpuConv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b, ch.block);
  return conv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b);
}

export function generalDims(l: Conv, N: number): GeneralConvDims {
  return { ...convDims(l, N), SH: l.sh, SW: l.sw, DH: l.dh, DW: l.dw, G: l.groups };
}

/**
 * A Conv2d whose stride, dilation or groups is not 1: conv2d_general's kernels, never fused (a
 * BatchNorm after it computes its own statistics); db is conv2d.wgsl's (biasDims).
 */
function generalConv(l: Conv): GpuLayer {
  const long = (rt: Runtime) => rt.tuning.longWeightChunks;
  return {
    info: l,
    forward: (c) => [conv2dGeneralForward(c.rt, generalDims(l, c.N), c.x.buf, c.param('weight'), c.y.buf, l.bias ? c.param('bias') : undefined)],
    backward: (c) => {
      const d = generalDims(l, c.N);
      const wp = c.partials(generalWeightPartialFloats(d, long(c.rt)));
      const w = conv2dGeneralWeightPartials(c.rt, d, c.dy.buf, c.x.buf, wp);
      c.reduceLater({ partial: wp, count: w.count, S: w.S, out: c.grad('weight') });
      const calls = [w.call];
      if (l.bias) {
        const bp = c.partials(biasPartialFloats(biasDims(d), long(c.rt)));
        const b = conv2dBiasPartials(c.rt, biasDims(d), c.dy.buf, bp);
        calls.push(b.call);
        c.reduceLater({ partial: bp, count: b.count, S: b.S, out: c.grad('bias') });
      }
      if (c.dx) calls.push(conv2dGeneralBackwardInput(c.rt, d, c.dy.buf, c.param('weight'), c.dx.buf));
      return calls;
    },
    partialFloats: (N, rt) => {
      const d = generalDims(l, N);
      const w = generalWeightPartialFloats(d, long(rt));
      return l.bias ? [w, biasPartialFloats(biasDims(d), long(rt))] : [w];
    },
  };
}
