// batchnorm v2: split reductions with separate finalize kernels (3 dispatches forward, 3 backward),
// kept to measure v3 (finalize folded into apply / apply_grad) against.
import common from '../../../../shaders/common.wgsl?raw';
import source from '../../../../shaders/dev/batchnorm_v2.wgsl?raw';
import { kernel } from '../../kernel';
import { grid1d, type Binding, type Call, type Runtime } from '../../runtime';
import type { BnDims, BnFusion } from '../batchnorm';

const code = common + source;

/**
 * Images per reduction chunk. A GPU wants many workgroups (about 1024 values each); a CPU adapter
 * (SwiftShader, lavapipe) pays for every workgroup barrier, so it gets fewer, larger chunks.
 */
function split(rt: Runtime, d: BnDims): { S: number; chunk: number } {
  const values = rt.tuning.bnChunkValues;
  const chunk = Math.min(d.N, Math.max(1, Math.ceil(values / d.HW)));
  return { S: Math.ceil(d.N / chunk), chunk };
}

/** Scratch floats a BatchNorm needs per plan: partial sums (3 per channel and chunk) and per-channel stats. */
export function bnScratchFloatsV2(rt: Runtime, d: BnDims): { partial: number; stats: number } {
  return { partial: 3 * d.C * split(rt, d).S, stats: 2 * d.C };
}

function params(rt: Runtime, d: BnDims, f: BnFusion) {
  const p = f.dropout?.p ?? 0;
  const { S, chunk } = split(rt, d);
  return rt.params({ u: [d.N, d.C, d.HW, f.dropout?.layer ?? 0, S, chunk], f: [d.eps, p, p >= 1 ? 0 : 1 / (1 - p)] });
}

function constants(train: boolean, f: BnFusion) {
  return { TRAIN: train ? 1 : 0, RELU: f.relu ? 1 : 0, DROPOUT: f.dropout && f.dropout.p > 0 ? 1 : 0 };
}

/**
 * Forward. Train mode (3 dispatches): batch statistics into `saved` ([mean, invstd] per channel)
 * and `batchStats` ([mean, unbiased var], for bn_running_update), then y. Eval mode (1 dispatch):
 * y from `running` ([mean, var]).
 */
export function bnForwardV2(
  rt: Runtime,
  d: BnDims,
  f: BnFusion,
  train: boolean,
  step: Binding,
  x: Binding,
  gamma: Binding,
  beta: Binding,
  y: Binding,
  stats: { saved: Binding; batchStats: Binding; partial: Binding } | { running: Binding },
): Call[] {
  const P = params(rt, d, f);
  const k = constants(train, f);
  const calls: Call[] = [];
  const n = d.N * d.C * d.HW;
  const { S, chunk } = split(rt, d);
  let s: Binding;
  if ('saved' in stats) {
    calls.push(
      rt.dispatch({
        kernel: kernel(code, 'bn_partial_stats'),
        bind: { P, x, partial: stats.partial },
        grid: [d.C, S],
        cost: { bytes: 4 * n + 12 * d.C * S, flops: 4 * n, serial: 2 * Math.ceil((chunk * d.HW) / 64) + 12 },
      }),
      rt.dispatch({
        kernel: kernel(code, 'bn_finalize_stats'),
        bind: { P, partial_in: stats.partial, saved: stats.saved, batch_stats: stats.batchStats },
        grid: [Math.ceil(d.C / 64)],
        cost: { bytes: 12 * d.C * S + 16 * d.C, flops: 6 * d.C * S, serial: 2 * S },
      }),
    );
    s = stats.saved;
  } else s = stats.running;
  calls.push(
    rt.dispatch({
      kernel: kernel(code, 'bn_apply'),
      bind: { P, S: step, xa: x, gamma, beta, stats: s, y },
      grid: grid1d(n),
      constants: k,
      cost: { bytes: 8 * n + 16 * d.C, flops: (f.dropout ? 12 : 3) * n, serial: 1 },
      label: f.relu ? 'bn_relu_forward' : 'bn_forward',
    }),
  );
  return calls;
}

/**
 * Backward of BatchNorm (→ ReLU → Dropout): dγ, dβ, and dx unless `dx` is null (first layer).
 * `stats` is what forward used: saved [mean, invstd] (train) or running [mean, var] (eval).
 */
export function bnBackwardV2(
  rt: Runtime,
  d: BnDims,
  f: BnFusion,
  train: boolean,
  step: Binding,
  x: Binding,
  gamma: Binding,
  beta: Binding,
  stats: Binding,
  dy: Binding,
  dx: Binding | null,
  dgamma: Binding,
  dbeta: Binding,
  scratch: { partial: Binding; sums: Binding },
): Call[] {
  const P = params(rt, d, f);
  const k = constants(train, f);
  const n = d.N * d.C * d.HW;
  const { S, chunk } = split(rt, d);
  const g = (f.dropout ? 12 : 0) + (f.relu ? 3 : 0) + 1;
  const calls = [
    rt.dispatch({
      kernel: kernel(code, 'bn_partial_grads'),
      bind: { P, S: step, xa: x, gamma, beta, stats, dy, partial_g: scratch.partial },
      grid: [d.C, S],
      constants: k,
      cost: { bytes: 8 * n + 12 * d.C * S, flops: (g + 5) * n, serial: Math.ceil((chunk * d.HW) / 64) + 12 },
    }),
    rt.dispatch({
      kernel: kernel(code, 'bn_finalize_grads'),
      bind: { P, partial_in: scratch.partial, dgamma, dbeta, sums: scratch.sums },
      grid: [Math.ceil(d.C / 64)],
      cost: { bytes: 12 * d.C * S + 16 * d.C, flops: 2 * d.C * S, serial: S },
    }),
  ];
  if (dx)
    calls.push(
      rt.dispatch({
        kernel: kernel(code, 'bn_apply_grad'),
        bind: { P, S: step, xa: x, gamma, beta, stats, dy, sums_in: scratch.sums, dx },
        grid: grid1d(n),
        constants: k,
        cost: { bytes: 12 * n + 24 * d.C, flops: (g + 8) * n, serial: 1 },
        label: 'bn_backward_input',
      }),
    );
  return calls;
}
