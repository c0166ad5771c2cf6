import code from '../../../shaders/record.wgsl?raw';
import type { Binding, Call, KernelRef, Runtime } from '../runtime';

/** dst[counter·stride + offset + i] = src[i] for i < n (floats). */
export function record(rt: Runtime, n: number, stride: number, offset: number, counter: Binding, src: Binding, dst: Binding): Call {
  return rt.call('record', code, 'record', [rt.params({ u: [n, stride, offset] }), counter, src, dst], [Math.ceil(n / 64)], undefined, {
    bytes: 8 * n + 4,
    flops: 0,
    serial: 1,
  });
}

/** counter += 1 */
export function advance(rt: Runtime, counter: Binding): Call {
  return rt.call('advance', code, 'advance', [null, counter], [1], undefined, { bytes: 8, flops: 0, serial: 1 });
}

export const recordKernels: KernelRef[] = [
  { code, entry: 'record' },
  { code, entry: 'advance' },
];
