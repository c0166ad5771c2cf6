// One GPU layer per spec type: `forward` and `backward` side by side, each returning the
// dispatches (Calls) for one plan (a batch size and a mode). Buffers come from the plan; layers
// that run fused (BatchNorm → ReLU, a classifier head, …) are grouped in units.ts. Conv2d is in
// conv-layer.ts, GroupNorm and LayerNorm in norm-layer.ts, the plan report's rules in layer-rules.ts.
import { convLayer } from './conv-layer';
import { normLayer } from './norm-layer';
import { activationBackward, activationForward } from './ops/activation';
import { avgpoolBackward, avgpoolForward } from './ops/avgpool';
import { bnBackward, bnForward, bnScratchFloats, NO_FUSION, type BnFusion } from './ops/batchnorm';
import { MAX_SERIAL } from './ops/conv2d';
import { dropoutApply } from './ops/dropout';
import { dropout2dApply } from './ops/dropout2d';
import { gemm, gemmPlan } from './ops/gemm';
import { logSoftmaxBackward, logSoftmaxForward } from './ops/loss';
import { columnSum, matmul } from './ops/matmul';
import { gapBackward, gapForward, maxpoolBackward, maxpoolForward } from './ops/pool';
import { reduceSegments } from './ops/reduce';
import { span, type Binding, type Call, type Runtime } from './runtime';
import type { LayerInfo } from './spec';
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
    case 'Conv2d':
      return convLayer(info);
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
