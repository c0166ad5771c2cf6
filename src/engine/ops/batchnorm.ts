import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/batchnorm.wgsl?raw';
import { kernel } from '../kernel';
import type { Binding, Call, Runtime } from '../runtime';

const code = common + source;

export interface BnDims {
  N: number;
  C: number;
  HW: number;
  eps: number;
}

/** What follows the BatchNorm in the same kernels: ReLU, and Dropout (layer index, p). */
export interface BnFusion {
  relu: boolean;
  dropout: { layer: number; p: number } | null;
}

export const NO_FUSION: BnFusion = { relu: false, dropout: null };

/**
 * Images per reduction chunk. A GPU wants many workgroups (about 1024 values each); a CPU adapter
 * (SwiftShader, lavapipe) pays for every workgroup barrier, so it gets fewer, larger chunks.
 */
function split(rt: Runtime, d: BnDims): { S: number; chunk: number } {
  const values = rt.tuning.bnChunkValues;
  const chunk = Math.min(d.N, Math.max(1, Math.ceil(values / d.HW)));
  return { S: Math.ceil(d.N / chunk), chunk };
}

/**
 * Values per thread of bn_apply and bn_apply_grad (a workgroup covers 256·E values of one
 * channel and first merges the channel's partials): 8 on a GPU; a CPU adapter, which pays for
 * each workgroup's barriers, gets fewer, larger workgroups.
 */
const valuesPerThread = (rt: Runtime) => rt.tuning.bnValuesPerThread;

function blocks(rt: Runtime, d: BnDims): number {
  return Math.ceil((d.N * d.HW) / (256 * valuesPerThread(rt)));
}

/**
 * Scratch floats a BatchNorm needs per plan: `partial`, the forward's partial statistics (3 per
 * channel and chunk), and `aux`, [mean, invstd] per channel then the backward's partial sums (2 per
 * channel and chunk).
 */
export function bnScratchFloats(rt: Runtime, d: BnDims): { partial: number; aux: number } {
  const { S } = split(rt, d);
  return { partial: 3 * d.C * S, aux: 2 * d.C + 2 * d.C * S };
}

function params(rt: Runtime, d: BnDims, f: BnFusion, chunks?: number) {
  const p = f.dropout?.p ?? 0;
  const { chunk } = split(rt, d);
  const S = chunks ?? split(rt, d).S;
  return rt.params({ u: [d.N, d.C, d.HW, f.dropout?.layer ?? 0, S, chunk, valuesPerThread(rt)], f: [d.eps, p, p >= 1 ? 0 : 1 / (1 - p)] });
}

function constants(train: boolean, f: BnFusion, hasDx = true) {
  return { TRAIN: train ? 1 : 0, RELU: f.relu ? 1 : 0, DROPOUT: f.dropout && f.dropout.p > 0 ? 1 : 0, HAS_DX: hasDx ? 1 : 0 };
}

/** Flops of the elementwise part per value: affine, ReLU, the dropout hash. */
const ew = (f: BnFusion) => 2 + (f.relu ? 1 : 0) + (f.dropout ? 12 : 0);

/** Forward's buffers: train mode takes `batchStats` (where [mean, unbiased var] go), eval mode `running`. */
export type BnForwardBuffers = { step: Binding; x: Binding; gamma: Binding; beta: Binding; y: Binding; partial: Binding; aux: Binding } & (
  { batchStats: Binding } | { running: Binding }
);

/**
 * Forward. Train mode (2 dispatches): partial statistics per chunk, then y, each bn_apply
 * workgroup merging its channel's partials; [mean, invstd] go to `aux` (for backward) and
 * [mean, unbiased var] to `batchStats` (for the running update at the end of the step). Eval
 * mode (1 dispatch): y from `running` ([mean, var]); [mean, invstd] still go to `aux`; `partial`
 * is bound but not used. `producedChunks` (train mode): `partial` already holds this many chunks'
 * statistics (conv2d_forward_stats wrote them).
 */
export function bnForward(rt: Runtime, d: BnDims, f: BnFusion, b: BnForwardBuffers, producedChunks?: number): Call[] {
  const train = 'batchStats' in b;
  const P = params(rt, d, f, producedChunks);
  const n = d.N * d.C * d.HW;
  const { chunk } = split(rt, d);
  const S = producedChunks ?? split(rt, d).S;
  const calls: Call[] = [];
  if (train && producedChunks === undefined)
    calls.push(
      rt.dispatch({
        kernel: kernel(code, 'bn_partial_stats'),
        bind: { P, x: b.x, partial: b.partial },
        grid: [d.C, S],
        cost: { bytes: 4 * n + 12 * d.C * S, flops: 4 * n, serial: 2 * Math.ceil((chunk * d.HW) / 64) + 12 },
      }),
    );
  // Eval binds the unused partial scratch where train writes batch statistics (writable bindings must not alias).
  const stats =
    'batchStats' in b
      ? { running: rt.dummy, partial_m: b.partial, aux_out: b.aux, batch_out: b.batchStats }
      : { running: b.running, partial_m: rt.dummy, aux_out: b.aux, batch_out: b.partial };
  calls.push(
    rt.dispatch({
      kernel: kernel(code, 'bn_apply'),
      bind: { P, S: b.step, xa: b.x, gamma: b.gamma, beta: b.beta, y: b.y, ...stats },
      grid: [blocks(rt, d), d.C],
      constants: constants(train, f),
      cost: {
        bytes: 8 * n + (train ? 12 * d.C * S : 0) + 16 * d.C,
        flops: ew(f) * n + (train ? 6 * d.C * S * blocks(rt, d) : 0),
        serial: valuesPerThread(rt) + (train ? 2 * Math.ceil(S / 256) + 16 : 0),
      },
      label: f.relu ? 'bn_relu_forward' : 'bn_forward',
    }),
  );
  return calls;
}

export interface BnBackwardBuffers {
  train: boolean;
  step: Binding;
  x: Binding;
  gamma: Binding;
  beta: Binding;
  dy: Binding;
  /** null: nobody needs dx (the first layer). */
  dx: Binding | null;
  dgamma: Binding;
  dbeta: Binding;
  /** What forward wrote there ([mean, invstd]); the partial sums go after it. */
  aux: Binding;
}

/**
 * Backward of BatchNorm (→ ReLU → Dropout), 2 dispatches: partial sums per chunk into `aux`, then
 * dx (unless `dx` is null), each workgroup adding its channel's sums; dγ and dβ.
 */
export function bnBackward(rt: Runtime, d: BnDims, f: BnFusion, b: BnBackwardBuffers): Call[] {
  const P = params(rt, d, f);
  const n = d.N * d.C * d.HW;
  const { S, chunk } = split(rt, d);
  const { dx } = b;
  const inputs = { P, S: b.step, xa: b.x, gamma: b.gamma, beta: b.beta, dy: b.dy };
  return [
    rt.dispatch({
      kernel: kernel(code, 'bn_partial_grads'),
      bind: { ...inputs, aux_rw: b.aux },
      grid: [d.C, S],
      constants: constants(b.train, f),
      cost: { bytes: 8 * n + 8 * d.C * S + 8 * d.C, flops: (ew(f) + 5) * n, serial: Math.ceil((chunk * d.HW) / 64) + 12 },
    }),
    rt.dispatch({
      kernel: kernel(code, 'bn_apply_grad'),
      bind: { ...inputs, aux: b.aux, dx: dx ?? rt.dummy, dgamma: b.dgamma, dbeta: b.dbeta },
      grid: [dx ? blocks(rt, d) : 1, d.C],
      constants: constants(b.train, f, Boolean(dx)),
      cost: {
        bytes: (dx ? 12 * n : 0) + 8 * d.C * S * (dx ? blocks(rt, d) : 1) + 24 * d.C,
        flops: (dx ? (ew(f) + 8) * n : 0) + 2 * d.C * S * (dx ? blocks(rt, d) : 1),
        serial: (dx ? valuesPerThread(rt) : 0) + Math.ceil(S / 256) + 8,
      },
      label: dx ? 'bn_backward_input' : 'bn_backward_params',
    }),
  ];
}
