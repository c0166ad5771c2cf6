// One GPU layer per spec type: `forward` and `backward` side by side, each returning the
// dispatches (Calls) for one plan (a batch size and a mode). Buffers come from the plan; layers
// that run fused (BatchNorm → ReLU, a classifier head, …) are grouped in units.ts.
import { activationBackward, activationForward } from './ops/activation';
import { bnBackward, bnForward, bnScratchFloats, NO_FUSION, type BnFusion } from './ops/batchnorm';
import {
  biasPartialFloats,
  conv2dBackward,
  conv2dBackwardInput,
  conv2dBiasPartials,
  conv2dForward,
  conv2dWeightPartials,
  convTile,
  fusedBackward,
  MAX_SERIAL,
  weightPartialFloats,
  type ConvDims,
  type Unpool,
} from './ops/conv2d';
import { avgpoolBackward, avgpoolForward } from './ops/avgpool';
import {
  biasDims,
  conv2dGeneralBackwardInput,
  conv2dGeneralForward,
  conv2dGeneralWeightPartials,
  generalWeightPartialFloats,
  type GeneralConvDims,
} from './ops/conv2d_general';
import { dropoutApply } from './ops/dropout';
import { dropout2dApply } from './ops/dropout2d';
import { gemm, gemmPlan, tileText } from './ops/gemm';
import { cpuConv2dBackwardInput, cpuConv2dForward, cpuConv2dWeightPartials, cpuWeightSplit } from './ops/conv_cpu';
import { convChoice, gemmConv2dBackwardInput, gemmConv2dForward, gemmWeightRounds, gemmWeightSplit } from './ops/gemm_conv2d';
import { logSoftmaxBackward, logSoftmaxForward } from './ops/loss';
import { columnSum, matmul } from './ops/matmul';
import { gapBackward, gapForward, maxpoolBackward, maxpoolForward } from './ops/pool';
import { normLayer } from './norm-layer';
import { reduceSegments } from './ops/reduce';
import { span, type Binding, type Call, type Runtime } from './runtime';
import { plainPoolK, type LayerInfo } from './spec';
import { numel, type Tensor } from './tensor';

export type Mode = 'train' | 'eval';

/** What a layer sees of its plan. */
export interface LayerCtx {
  rt: Runtime;
  N: number;
  mode: Mode;
  x: Tensor;
  y: Tensor;
  /** Gradient of the loss w.r.t. y (backward only). */
  dy: Tensor;
  /** Where the gradient w.r.t. x goes; null when nobody needs it (the first layer). */
  dx: Tensor | null;
  param(name: string): Binding;
  grad(name: string): Binding;
  /** A parameter (gradient) of another layer of the unit, by layer index. */
  paramAt(layer: number, name: string): Binding;
  gradAt(layer: number, name: string): Binding;
  /** BatchNorm: this layer's (or `layer`'s) running statistics, [mean.., var..]. */
  runningStats(layer?: number): Binding;
  /** BatchNorm, train mode: where this step's [mean.., unbiased var..] go (see update_apply in shaders/sgd.wgsl). */
  batchStats(layer?: number): Binding;
  /** Per-plan scratch memory of this layer, allocated on first request. */
  scratch(name: string, bytes: number): Binding;
  /** The step uniform (seed, lr, ...), written before each step. */
  step: Binding;
  /** Space for a split reduction's partial sums (floats; the layer's partialFloats reserved it). */
  partials(floats: number): Binding;
  /** out[e] = Σ_s partial[s·count + e], added by the one reduction dispatch at the end of backward. */
  reduceLater(s: { partial: Binding; count: number; S: number; out: Binding }): void;
}

export interface GpuLayer {
  info: LayerInfo;
  /** The output is the input under another shape (Flatten): no buffer, no dispatch. */
  alias?: boolean;
  forward(c: LayerCtx): Call[];
  backward(c: LayerCtx): Call[];
  /** The partials(floats) requests backward will make at batch N (split gradient reductions). */
  partialFloats?(N: number, rt: Runtime): number[];
}

/**
 * A 1×1 Conv2d whose MaxPool2d the fused conv1x1_pool unit can compute: its pool must be K×K with
 * stride K and no padding (each conv output in at most one window, see conv2d_unpool.wgsl).
 */
export function fusesWithPool(l: Extract<LayerInfo, { type: 'Conv2d' }>, next: LayerInfo | undefined): next is Extract<LayerInfo, { type: 'MaxPool2d' }> {
  return !l.general && l.kh === 1 && l.kw === 1 && l.ph === 0 && l.pw === 0 && next?.type === 'MaxPool2d' && plainPoolK(next) !== null;
}

export function convDims(l: Extract<LayerInfo, { type: 'Conv2d' }>, N: number): ConvDims {
  return { N, C: l.inC, H: l.inShape[1], W: l.inShape[2], O: l.outC, KH: l.kh, KW: l.kw, PH: l.ph, PW: l.pw };
}

/**
 * A convolution's backward: dx and the first stages of dw (and db); their second stage is the
 * plan's one reduction dispatch.
 */
export function convBackward(c: LayerCtx, l: Extract<LayerInfo, { type: 'Conv2d' }>, dy: Binding, x: Binding, dx: Binding | null, unpool?: Unpool): Call[] {
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
export function convPartialFloats(l: Extract<LayerInfo, { type: 'Conv2d' }>, N: number, rt: Runtime, unpool = false): number[] {
  const d = convDims(l, N);
  const long = rt.tuning.longWeightChunks;
  const wc = convChoice(rt, d, 'weight', unpool);
  const S = wc.kind === 'gemm' ? gemmWeightSplit(rt, d, wc.tile).S : wc.kind === 'cpu' ? cpuWeightSplit(d, wc.block).S : 0;
  const w = wc.kind === 'direct' ? [weightPartialFloats(d, long)] : S > 1 ? [S * numelW(d)] : [];
  return l.bias ? [...w, biasPartialFloats(d, long)] : w;
}

/** A plain convolution's forward: the GEMM or the direct kernel, as convChoice says. */
function convForward(c: LayerCtx, l: Extract<LayerInfo, { type: 'Conv2d' }>): Call {
  const d = convDims(l, c.N);
  const ch = convChoice(c.rt, d, 'forward');
  const b = l.bias ? c.param('bias') : undefined;
  if (ch.kind === 'gemm') return gemmConv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b, ch.tile);
  if (ch.kind === 'cpu') return cpuConv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b, ch.block);
  return conv2dForward(c.rt, d, c.x.buf, c.param('weight'), c.y.buf, b);
}

/**
 * Whether a Linear product takes the tiled GEMM: on a GPU tuning, where it splits a long
 * reduction (K ≫ M·N, 4096→50) or where matmul would loop more than MAX_SERIAL times per thread
 * (dw's K is the batch); otherwise (and on a CPU adapter, where it measured faster) matmul.
 */
export function linearGemm(rt: Runtime, dims: { M: number; N: number; K: number }): ReturnType<typeof gemmPlan> | null {
  const p = gemmPlan(rt, dims);
  return rt.tuning.kind !== 'cpu' && (p.S > 1 || dims.K > MAX_SERIAL) ? p : null;
}

function linearProduct(
  c: LayerCtx,
  label: string,
  dims: { M: number; N: number; K: number },
  a: Binding,
  b: Binding,
  out: Binding,
  opts: { transA?: boolean; transB?: boolean; bias?: Binding },
): Call[] {
  const p = linearGemm(c.rt, dims);
  if (!p) return [matmul(c.rt, label, dims, a, b, out, opts)];
  return gemm(c.rt, label, dims, a, b, out, { ...opts, scratch: p.S > 1 ? c.scratch(`${label} split`, 4 * p.S * dims.M * dims.N) : undefined });
}

/** Linear's bias gradient Σ_n dy[n, :]: on a GPU tuning a batch over MAX_SERIAL takes reduce_segments' lanes (dy is N vectors). */
function linearBias(c: LayerCtx, F: number): Call {
  if (c.rt.tuning.kind === 'cpu' || c.N <= MAX_SERIAL) return columnSum(c.rt, 'linear_backward_bias', c.N, F, c.dy.buf, c.grad('bias'));
  return reduceSegments(c.rt, 'linear_backward_bias', [
    { partial: { buffer: span(c.dy.buf).buffer, offset: span(c.dy.buf).offset, size: 4 * c.N * F }, count: F, S: c.N, out: c.grad('bias') },
  ]);
}

export function gpuLayer(info: LayerInfo): GpuLayer {
  switch (info.type) {
    case 'Conv2d': {
      const l = info;
      if (l.general) return generalConv(l);
      return {
        info,
        forward: (c) => [convForward(c, l)],
        backward: (c) => convBackward(c, l, c.dy.buf, c.x.buf, c.dx?.buf ?? null),
        partialFloats: (N, rt) => convPartialFloats(l, N, rt),
      };
    }
    case 'BatchNorm2d':
      return batchNorm(info, NO_FUSION);
    case 'ReLU':
    case 'Sigmoid': {
      const kind = info.type === 'ReLU' ? 'relu' : 'sigmoid';
      return {
        info,
        forward: (c) => [activationForward(c.rt, kind, c.x, c.y)],
        backward: (c) => (c.dx ? [activationBackward(c.rt, kind, c.y, c.dy, c.dx)] : []),
      };
    }
    case 'MaxPool2d': {
      const l = info;
      const dims = (N: number) => ({ N, C: l.inShape[0], H: l.inShape[1], W: l.inShape[2], kh: l.kh, kw: l.kw, sh: l.sh, sw: l.sw, ph: l.ph, pw: l.pw });
      const arg = (c: LayerCtx) => c.scratch('argmax', 4 * c.N * numel(l.outShape));
      return {
        info,
        forward: (c) => [maxpoolForward(c.rt, dims(c.N), c.x.buf, c.y.buf, arg(c))],
        backward: (c) => (c.dx ? [maxpoolBackward(c.rt, dims(c.N), c.dy.buf, arg(c), c.dx.buf)] : []),
      };
    }
    case 'AdaptiveAvgPool2d': {
      const l = info;
      const dims = (N: number) => ({ N, C: l.inShape[0], H: l.inShape[1], W: l.inShape[2] });
      return {
        info,
        forward: (c) => [gapForward(c.rt, dims(c.N), c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [gapBackward(c.rt, dims(c.N), c.dy.buf, c.dx.buf)] : []),
      };
    }
    case 'AvgPool2d': {
      const l = info;
      const dims = (N: number) => ({
        N,
        C: l.inShape[0],
        H: l.inShape[1],
        W: l.inShape[2],
        kh: l.kh,
        kw: l.kw,
        sh: l.sh,
        sw: l.sw,
        ph: l.ph,
        pw: l.pw,
        includePad: l.includePad,
      });
      return {
        info,
        forward: (c) => [avgpoolForward(c.rt, dims(c.N), c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [avgpoolBackward(c.rt, dims(c.N), c.dy.buf, c.dx.buf)] : []),
      };
    }
    case 'Flatten':
      return { info, alias: true, forward: () => [], backward: () => [] };
    case 'Dropout': {
      const l = info;
      // Eval mode (and p = 0) is the identity: the plan aliases y to x and dispatches nothing.
      return {
        info,
        forward: (c) => [dropoutApply(c.rt, 'dropout_forward', c.N * numel(l.inShape), l.index, l.p, c.step, c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [dropoutApply(c.rt, 'dropout_backward', c.N * numel(l.inShape), l.index, l.p, c.step, c.dy.buf, c.dx.buf)] : []),
      };
    }
    case 'Dropout2d': {
      const l = info;
      const n = (c: LayerCtx) => c.N * numel(l.inShape);
      const hw = l.inShape[1] * l.inShape[2];
      // Eval mode (and p = 0) is the identity, as for Dropout (see isIdentity in units.ts).
      return {
        info,
        forward: (c) => [dropout2dApply(c.rt, 'dropout2d_forward', n(c), hw, l.index, l.p, c.step, c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [dropout2dApply(c.rt, 'dropout2d_backward', n(c), hw, l.index, l.p, c.step, c.dy.buf, c.dx.buf)] : []),
      };
    }
    case 'Linear': {
      const l = info;
      return {
        info,
        forward: (c) =>
          linearProduct(c, 'linear_forward', { M: c.N, N: l.outF, K: l.inF }, c.x.buf, c.param('weight'), c.y.buf, {
            transB: true,
            bias: l.bias ? c.param('bias') : undefined,
          }),
        backward: (c) => {
          const calls = linearProduct(c, 'linear_backward_weight', { M: l.outF, N: l.inF, K: c.N }, c.dy.buf, c.x.buf, c.grad('weight'), { transA: true });
          if (l.bias) calls.push(linearBias(c, l.outF));
          if (c.dx) calls.push(...linearProduct(c, 'linear_backward_input', { M: c.N, N: l.inF, K: l.outF }, c.dy.buf, c.param('weight'), c.dx.buf, {}));
          return calls;
        },
      };
    }
    case 'GroupNorm':
    case 'LayerNorm':
      return normLayer(info);
    case 'LogSoftmax': {
      const C = info.inShape[0];
      return {
        info,
        forward: (c) => [logSoftmaxForward(c.rt, c.N, C, c.x.buf, c.y.buf)],
        backward: (c) => (c.dx ? [logSoftmaxBackward(c.rt, c.N, C, c.y.buf, c.dy.buf, c.dx.buf)] : []),
      };
    }
  }
}

export function generalDims(l: Extract<LayerInfo, { type: 'Conv2d' }>, N: number): GeneralConvDims {
  return { ...convDims(l, N), SH: l.sh, SW: l.sw, DH: l.dh, DW: l.dw, G: l.groups };
}

/**
 * A Conv2d whose stride, dilation or groups is not 1: conv2d_general's kernels, never fused (a
 * BatchNorm after it computes its own statistics); db is conv2d.wgsl's (biasDims).
 */
function generalConv(l: Extract<LayerInfo, { type: 'Conv2d' }>): GpuLayer {
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

/**
 * BatchNorm2d, with the ReLU (and Dropout) that follow it computed in the same kernels when
 * `fusion` says so: the unit reads x and writes the last layer's output; backward recomputes the
 * ReLU and Dropout masks instead of storing them.
 */
export function batchNorm(l: Extract<LayerInfo, { type: 'BatchNorm2d' }>, fusion: BnFusion): GpuLayer {
  const dims = (N: number) => ({ N, C: l.features, HW: l.inShape[1] * l.inShape[2], eps: l.eps });
  const scratch = (c: LayerCtx) => {
    const f = bnScratchFloats(c.rt, dims(c.N));
    return { partial: c.scratch('partial', 4 * f.partial), aux: c.scratch('aux', 4 * f.aux) };
  };
  return {
    info: l,
    forward: (c) => {
      const s = scratch(c);
      const b = { step: c.step, x: c.x.buf, gamma: c.param('weight'), beta: c.param('bias'), y: c.y.buf, partial: s.partial, aux: s.aux };
      return bnForward(c.rt, dims(c.N), fusion, c.mode === 'train' ? { ...b, batchStats: c.batchStats() } : { ...b, running: c.runningStats() });
    },
    backward: (c) =>
      bnBackward(c.rt, dims(c.N), fusion, {
        train: c.mode === 'train',
        step: c.step,
        x: c.x.buf,
        gamma: c.param('weight'),
        beta: c.param('bias'),
        dy: c.dy.buf,
        dx: c.dx?.buf ?? null,
        dgamma: c.grad('weight'),
        dbeta: c.grad('bias'),
        aux: scratch(c).aux,
      }),
  };
}

/**
 * The kernel rule each Conv2d and Linear of a training plan follows at batch N (printed with the
 * plan report): "layer 9 Conv2d 128→256: forward gemm 128×128×16 tile; dx …; dw …".
 */
export function layerRules(rt: Runtime, infos: LayerInfo[], N: number): string[] {
  const fusePool = rt.tuning.fuseConvPool;
  const first = infos.findIndex((l) => l.params.length > 0);
  return infos.flatMap((l, i) => {
    const next = infos[i + 1];
    if (l.type === 'Conv2d' && l.general) {
      const what = [l.sh * l.sw > 1 && `stride ${l.sh}×${l.sw}`, l.dh * l.dw > 1 && `dilation ${l.dh}×${l.dw}`, l.groups > 1 && `groups ${l.groups}`];
      const passes = ['forward', ...(i > first ? ['dx'] : []), 'dw'].map((p) => `${p} conv2d_general`);
      return [
        `layer ${i} Conv2d ${l.inC}→${l.outC} ${l.kh}×${l.kw} at ${l.inShape[1]}×${l.inShape[2]} (${what.filter(Boolean).join(', ')}): ${passes.join('; ')}`,
      ];
    }
    if (l.type === 'Conv2d') {
      const d = convDims(l, N);
      const pooled = fusePool && fusesWithPool(l, next);
      const bn = next?.type === 'BatchNorm2d' && infos[i + 2]?.type === 'ReLU';
      const inHead = infos[i - 1]?.type === 'AdaptiveAvgPool2d' && infos[i + 1]?.type === 'Flatten';
      if (inHead) return [`layer ${i} Conv2d ${l.inC}→${l.outC}: the fused classifier head`];
      const fwd = pooled
        ? 'forward conv1x1_pool (direct)'
        : bn
          ? `forward direct ${convTile(rt, d).B}×${convTile(rt, d).T} with the BatchNorm statistics epilogue`
          : null;
      const passes = [
        fwd ?? `forward ${convChoice(rt, d, 'forward').text}`,
        ...(i > first ? [`dx ${convChoice(rt, d, 'input', pooled).text}`] : []),
        `dw ${convChoice(rt, d, 'weight', pooled).text}`,
      ];
      return [`layer ${i} Conv2d ${l.inC}→${l.outC} ${l.kh}×${l.kw} at ${l.inShape[1]}×${l.inShape[2]}: ${passes.join('; ')}`];
    }
    if (l.type === 'Linear') {
      if (infos[i - 1]?.type === 'Flatten' && infos[i - 2]?.type === 'AdaptiveAvgPool2d' && next?.type === 'LogSoftmax')
        return [`layer ${i} Linear ${l.inF}→${l.outF}: the fused classifier head`];
      const text = (dims: { M: number; N: number; K: number }) => {
        const p = linearGemm(rt, dims);
        return !p ? 'matmul' : `${tileText(p.tile)}${p.S > 1 ? `, split ${p.S}` : ''}`;
      };
      const passes = [
        `forward ${text({ M: N, N: l.outF, K: l.inF })}`,
        ...(i > first ? [`dx ${text({ M: N, N: l.inF, K: l.outF })}`] : []),
        `dw ${text({ M: l.outF, N: l.inF, K: N })}`,
      ];
      return [`layer ${i} Linear ${l.inF}→${l.outF}: ${passes.join('; ')}`];
    }
    return [];
  });
}
