import code from '../../../shaders/record.wgsl?raw';
import { kernel } from '../kernel';
import type { Binding, Call, Runtime } from '../runtime';

/** dst[counter·stride + offset + i] = src[i] for i < n (floats). */
export function record(rt: Runtime, n: number, stride: number, offset: number, counter: Binding, src: Binding, dst: Binding): Call {
  return rt.dispatch({
    kernel: kernel(code, 'record'),
    bind: { P: rt.params({ u: [n, stride, offset] }), counter, src, dst },
    grid: [Math.ceil(n / 64)],
    cost: { bytes: 8 * n + 4, flops: 0, serial: 1 },
  });
}

/** counter += 1 */
export function advance(rt: Runtime, counter: Binding): Call {
  return rt.dispatch({ kernel: kernel(code, 'advance'), bind: { counter_rw: counter }, grid: [1], cost: { bytes: 8, flops: 0, serial: 1 } });
}
