import common from '../../../shaders/common.wgsl?raw';
import source from '../../../shaders/loss.wgsl?raw';
import { kernel } from '../kernel';
import type { Binding, Call, Runtime } from '../runtime';

const code = common + source;

export function logSoftmaxForward(rt: Runtime, B: number, C: number, x: Binding, y: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'log_softmax_forward'),
    bind: { P: rt.params({ u: [B, C] }), x, y },
    grid: [Math.ceil(B / 64)],
    cost: { bytes: 8 * B * C, flops: 5 * B * C, serial: 3 * C },
  });
}

export function logSoftmaxBackward(rt: Runtime, B: number, C: number, y: Binding, dy: Binding, dx: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'log_softmax_backward'),
    bind: { P: rt.params({ u: [B, C] }), y_saved: y, dy, dx },
    grid: [Math.ceil(B / 64)],
    cost: { bytes: 12 * B * C, flops: 4 * B * C, serial: 2 * C },
  });
}

/** Mean NLL of log-probabilities against u32 class indices; out[0] = loss; stats += (L·B, correct, B). */
export function nllLoss(
  rt: Runtime,
  B: number,
  C: number,
  logp: Binding,
  target: Binding,
  dlogp: Binding,
  out: Binding,
  stats: Binding,
  status: Binding,
): Call {
  return rt.dispatch({
    kernel: kernel(code, 'nll_loss'),
    bind: { P: rt.params({ u: [B, C] }), logp, labels: target, dlogp, out, stats, status },
    grid: [1],
    cost: { bytes: 8 * B * C + 4 * B + 32, flops: 2 * B * C, serial: Math.ceil(B / 256) * C + 8 },
  });
}

/** E = Σ ½(t - y)² over all B·C values; dy = y - t; out[0] = E. */
export function halfSseLoss(rt: Runtime, B: number, C: number, y: Binding, target: Binding, dy: Binding, out: Binding, status: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'half_sse_loss'),
    bind: { P: rt.params({ u: [B, C] }), pred: y, goal: target, dpred: dy, out, sse_status: status },
    grid: [1],
    cost: { bytes: 12 * B * C + 8, flops: 3 * B * C, serial: Math.ceil((B * C) / 256) + 8 },
  });
}
