// Timing for the benchmarks: wall clock around submit → onSubmittedWorkDone, and GPU time from
// timestamp queries at the start and end of the compute pass when the adapter has them.
import type { Call, Runtime } from './runtime';

export interface Timing {
  /** Wall-clock milliseconds per repetition (includes submit and completion latency / reps). */
  wallMs: number;
  /** GPU milliseconds per repetition from timestamp queries, or null without 'timestamp-query'. */
  gpuMs: number | null;
}

/** Run `calls` `reps` times inside one compute pass, `rounds` times; report the best round. */
export async function timeCalls(rt: Runtime, calls: Call[], reps: number, rounds = 3): Promise<Timing> {
  const dev = rt.device;
  const hasTs = dev.features.has('timestamp-query');
  const qs = hasTs ? dev.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const resolve = hasTs ? dev.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  let bestWall = Infinity;
  let bestGpu = Infinity;
  for (let r = 0; r < rounds; r++) {
    const enc = dev.createCommandEncoder();
    const pass = enc.beginComputePass(qs ? { timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : undefined);
    for (let i = 0; i < reps; i++) rt.encode(pass, calls);
    pass.end();
    if (qs && resolve) enc.resolveQuerySet(qs, 0, 2, resolve, 0);
    const t0 = performance.now();
    rt.submit(enc.finish());
    await dev.queue.onSubmittedWorkDone();
    bestWall = Math.min(bestWall, (performance.now() - t0) / reps);
    if (resolve) {
      const ts = new BigUint64Array(await rt.read(resolve, 16));
      const ns = Number(ts[1] - ts[0]);
      if (ns > 0) bestGpu = Math.min(bestGpu, ns / 1e6 / reps);
    }
  }
  qs?.destroy();
  resolve?.destroy();
  return { wallMs: bestWall, gpuMs: Number.isFinite(bestGpu) ? bestGpu : null };
}

/**
 * GPU time of each call, each recorded in its own compute pass with timestamp queries (or timed
 * alone by wall clock without them). The calls run in order, so later ones see earlier results.
 */
export async function profileCalls(rt: Runtime, calls: Call[]): Promise<{ label: string; ms: number }[]> {
  const dev = rt.device;
  if (!dev.features.has('timestamp-query')) {
    const out: { label: string; ms: number }[] = [];
    for (const c of calls) out.push({ label: c.label, ms: (await timeCalls(rt, [c], 1, 1)).wallMs });
    return out;
  }
  const n = calls.length;
  const qs = dev.createQuerySet({ type: 'timestamp', count: 2 * n });
  const resolve = dev.createBuffer({ size: 16 * n, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const enc = dev.createCommandEncoder();
  calls.forEach((c, i) => {
    const pass = enc.beginComputePass({ timestampWrites: { querySet: qs, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
    rt.encode(pass, [c]);
    pass.end();
  });
  enc.resolveQuerySet(qs, 0, 2 * n, resolve, 0);
  rt.submit(enc.finish());
  const ts = new BigUint64Array(await rt.read(resolve, 16 * n));
  qs.destroy();
  resolve.destroy();
  return calls.map((c, i) => ({ label: c.label, ms: Number(ts[2 * i + 1] - ts[2 * i]) / 1e6 }));
}

/** profileCalls summed by kernel label, largest first, with each label's share of the total. */
export function profileByLabel(prof: { label: string; ms: number }[]): { label: string; ms: number; count: number; share: number }[] {
  const by = new Map<string, { ms: number; count: number }>();
  for (const p of prof) {
    const e = by.get(p.label) ?? { ms: 0, count: 0 };
    e.ms += p.ms;
    e.count++;
    by.set(p.label, e);
  }
  const total = prof.reduce((s, p) => s + p.ms, 0);
  return [...by].map(([label, e]) => ({ label, ...e, share: e.ms / total })).sort((a, b) => b.ms - a.ms);
}
