// The plan report: one training step's dispatches as the GPU sees them, read from the recorded
// Calls themselves (never a hand-kept list): kernel, layer, grid, workgroup size, threads, bytes,
// FLOPs and the longest per-thread serial loop, then totals. `npm run bench -- --plan` prints it;
// docs/bench/plan-*.json are its JSON.
import type { Plan } from './model';
import type { Call } from './runtime';
import type { LayerInfo } from './spec';

export type Stage = 'input' | 'forward' | 'loss' | 'backward' | 'update';

export interface PlanDispatch {
  index: number;
  stage: Stage;
  kernel: string;
  label: string;
  /** First layer of the unit the dispatch computes (null outside the layers). */
  layer: number | null;
  /** The unit's layer types, e.g. "BatchNorm2d+ReLU+Dropout". */
  layerType: string | null;
  workgroups: [number, number, number];
  workgroupSize: number;
  /** Bytes of workgroup storage (var<workgroup>) the kernel uses. */
  workgroupStorage: number;
  threads: number;
  bytes: number;
  flops: number | null;
  serialIterations: number | null;
}

export interface PlanReport {
  model: string;
  batch: number;
  dispatches: PlanDispatch[];
  totals: {
    dispatches: number;
    bytes: number;
    flops: number;
    threads: number;
    /** The longest per-thread serial loop of the step, and where it is. */
    maxSerialIterations: number;
    maxSerialAt: string;
  };
}

/**
 * Report `calls` (one step, in order) of a plan. Calls of plan.forward and plan.backward are
 * placed by identity; a call before the forward pass is input, the one between is the loss, and
 * calls after backward are the update. Zero-size dispatches are left out, as Runtime.encode does.
 */
export function planReport(calls: Call[], plan: Plan, infos: LayerInfo[], model: string): PlanReport {
  const fwd = new Set(plan.forward);
  const bwd = new Set(plan.backward);
  const unitName = new Map<number, string>();
  for (const u of plan.units)
    unitName.set(
      u.first,
      infos
        .slice(u.first, u.last + 1)
        .map((l) => l.type)
        .join('+'),
    );
  let seenForward = false;
  let seenBackward = false;
  const out: PlanDispatch[] = [];
  for (const c of calls) {
    let stage: Stage;
    if (fwd.has(c)) {
      stage = 'forward';
      seenForward = true;
    } else if (bwd.has(c)) {
      stage = 'backward';
      seenBackward = true;
    } else stage = !seenForward ? 'input' : seenBackward ? 'update' : 'loss';
    if (c.workgroups.some((v) => v === 0)) continue;
    const [x, y, z] = c.workgroups;
    out.push({
      index: out.length,
      stage,
      kernel: c.kernel,
      label: c.label,
      layer: c.layer ?? null,
      layerType: c.layer === undefined ? null : (unitName.get(c.layer) ?? infos[c.layer]?.type ?? null),
      workgroups: [x, y, z],
      workgroupSize: c.workgroupSize,
      workgroupStorage: c.workgroupStorage,
      threads: x * y * z * c.workgroupSize,
      bytes: c.bytes,
      flops: c.flops,
      serialIterations: c.serial,
    });
  }
  const longest = out.reduce<PlanDispatch | null>((a, d) => (d.serialIterations !== null && (!a || d.serialIterations > a.serialIterations!) ? d : a), null);
  return {
    model,
    batch: plan.N,
    dispatches: out,
    totals: {
      dispatches: out.length,
      bytes: out.reduce((s, d) => s + d.bytes, 0),
      flops: out.reduce((s, d) => s + (d.flops ?? 0), 0),
      threads: out.reduce((s, d) => s + d.threads, 0),
      maxSerialIterations: longest?.serialIterations ?? 0,
      maxSerialAt: longest ? `#${longest.index} ${longest.kernel}${longest.layer !== null ? ` (layer ${longest.layer})` : ''}` : '',
    },
  };
}

const num = (v: number | null, digits = 0) => (v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits }));

/** The report as a text table. */
export function formatPlanReport(r: PlanReport): string {
  const head = ['#', 'stage', 'layer', 'kernel', 'workgroups', 'wg', 'threads', 'KiB', 'MFLOP', 'serial'];
  const rows = r.dispatches.map((d) => [
    String(d.index),
    d.stage,
    d.layer === null ? '' : `${d.layer} ${d.layerType}`,
    d.kernel,
    d.workgroups.join('×'),
    String(d.workgroupSize),
    num(d.threads),
    num(d.bytes / 1024, 1),
    d.flops === null ? '—' : num(d.flops / 1e6, 2),
    num(d.serialIterations),
  ]);
  const all = [head, ...rows];
  const width = head.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const right = new Set([0, 5, 6, 7, 8, 9]);
  const line = (row: string[]) =>
    row
      .map((v, i) => (right.has(i) ? v.padStart(width[i]) : v.padEnd(width[i])))
      .join('  ')
      .trimEnd();
  const t = r.totals;
  return [
    `plan: ${r.model}, batch ${r.batch}, one training step`,
    line(head),
    ...rows.map(line),
    `total: ${t.dispatches} dispatches, ${num(t.threads)} threads, ${num(t.bytes / 2 ** 20, 1)} MiB read + written, ` +
      `${num(t.flops / 1e6, 1)} MFLOP; longest serial loop ${num(t.maxSerialIterations)} iterations at ${t.maxSerialAt}`,
    `(bytes: each buffer range a dispatch reads or writes, counted once; '—': the op gives no estimate)`,
  ].join('\n');
}
