import source from '../../../shaders/stats.wgsl?raw';
import { kernel } from '../kernel';
import type { Binding, Call, Runtime } from '../runtime';

/**
 * Σ g², Σ w², Σ v² for each (offset, size) slot of the flat gradient, parameter and momentum
 * buffers, into out[3·k + 0..2]: one workgroup per slot (shaders/stats.wgsl).
 */
export function slotNorms(rt: Runtime, slots: { offset: number; size: number }[], g: Binding, w: Binding, v: Binding, out: Binding): Call {
  const table = rt.upload(Uint32Array.from(slots.flatMap((s) => [s.offset, s.size])), 'norm slots');
  return rt.dispatch({ kernel: kernel(source, 'slot_norms'), bind: { P: rt.params({ u: [slots.length] }), slots: table, g, w, v, out }, grid: [slots.length] });
}
