// The second stage of split reductions (weight and bias gradients): many segments, one dispatch.
import source from '../../../shaders/reduce.wgsl?raw';
import { kernel } from '../kernel';
import { grid1d, span, type Binding, type Call, type Runtime } from '../runtime';

const code = source;

/** out[e] = Σ_s partial[s·count + e] for e < count, s < S. */
export interface ReduceSegment {
  partial: Binding;
  count: number;
  S: number;
  out: Binding;
}

/**
 * One dispatch that reduces every segment (`accumulate`: adds the sums to out). Each segment's partials must lie in one buffer shared
 * by all segments, and so must the outputs (a plan's arena, the model's flat gradient buffer).
 */
export function reduceSegments(rt: Runtime, label: string, segments: ReduceSegment[], accumulate = false): Call {
  if (!segments.length) throw new Error('reduceSegments: no segments');
  const src = span(segments[0].partial).buffer;
  const dst = span(segments[0].out).buffer;
  // Lanes per element (the shader's RL): 16 on a GPU, 1 on a CPU adapter (no barriers).
  const RL = rt.tuning.reduceLanes;
  const RW = 256 / RL;
  const table: number[] = [];
  let groups = 0;
  let bytes = 0;
  let flops = 0;
  let serial = 0;
  for (const s of segments) {
    const p = span(s.partial);
    const o = span(s.out);
    if (p.buffer !== src || o.buffer !== dst) throw new Error('reduceSegments: segments must share one partials buffer and one output buffer');
    if (p.size < 4 * s.S * s.count || o.size < 4 * s.count) throw new Error('reduceSegments: a segment is larger than its bindings');
    table.push(groups, s.count, s.S, p.offset / 4, o.offset / 4);
    groups += Math.ceil(s.count / RW);
    bytes += 4 * s.count * (s.S + 1);
    flops += s.count * s.S;
    serial = Math.max(serial, Math.ceil(s.S / RL) + Math.log2(RL));
  }
  const whole = (b: GPUBuffer) => ({ buffer: b, offset: 0, size: b.size });
  return rt.dispatch({
    kernel: kernel(code, 'reduce_segments'),
    bind: { RP: rt.params({ u: [segments.length] }), segs: rt.upload(Uint32Array.from(table), `${label} segments`), partials: whole(src), out: whole(dst) },
    grid: grid1d(groups * 256),
    constants: { RL, ACCUM: accumulate ? 1 : 0 },
    cost: { bytes, flops, serial },
    label,
  });
}

/**
 * Partial sums of a plan's backward pass, in one arena buffer, reduced by one dispatch at the end
 * of backward (Plan.build): layers take() arena space for their first stage and defer() the sums.
 */
export class GradReducer {
  readonly arena: GPUBuffer | null;
  /** Floats reserved (the arena's size, except while a plan is only sized: Runtime.measure). */
  private total: number;
  private used = 0;
  private segments: ReduceSegment[] = [];

  /** `requests`: the float counts layers will take(), in any order. */
  constructor(
    readonly rt: Runtime,
    requests: number[],
  ) {
    const total = requests.reduce((s, f) => s + this.padded(f), 0);
    this.total = total;
    this.arena = total ? rt.buffer(4 * total, 'gradient partials') : null;
  }

  private padded(floats: number): number {
    const a = this.rt.alignFloats;
    return Math.ceil(floats / a) * a;
  }

  take(floats: number): GPUBufferBinding {
    const size = this.padded(floats);
    if (!this.arena || this.used + size > this.total) throw new Error(`gradient partials: ${floats} floats not reserved`);
    const b = { buffer: this.arena, offset: 4 * this.used, size: 4 * floats };
    this.used += size;
    return b;
  }

  defer(s: ReduceSegment): void {
    this.segments.push(s);
  }

  calls(): Call[] {
    return this.segments.length ? [reduceSegments(this.rt, 'weight_grad_reduce', this.segments)] : [];
  }
}
