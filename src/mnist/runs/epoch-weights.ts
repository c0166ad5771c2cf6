// Weights kept per epoch (epoch 0 = the initial weights), the budget they are kept within, and
// "same initial weights": a run's initial weights made again from its spec and seed, the short
// hash the runs table shows for them, and the check that they fit another spec. Pure: no GPU.
import { ParamLayout } from '../../engine/params';
import { parseSpec, stateDefs } from '../../engine/spec';
import { shapeStr } from '../../engine/tensor';
import { fmtBytes } from '../../ui/format';

/** Per-epoch weights are kept while parameters × (epochs + 1) × 4 bytes stays within this. */
export const EPOCH_BUDGET_BYTES = 64 * 2 ** 20;

/** Bytes the per-epoch weights of a run would take: one float32 set per epoch and the initial one. */
export const epochBytes = (params: number, epochs: number) => params * (epochs + 1) * 4;

/** Null when a run of `params` parameters and `epochs` epochs keeps its weights per epoch; else the note saying why not, with the numbers. */
export function epochBudgetNote(params: number, epochs: number): string | null {
  const need = epochBytes(params, epochs);
  if (need <= EPOCH_BUDGET_BYTES) return null;
  return (
    `Weights per epoch are not kept for this run: ${params.toLocaleString('en-US')} parameters × ${epochs + 1} sets (epochs 0 to ${epochs}) × 4 bytes = ` +
    `${fmtBytes(need)}, over the ${fmtBytes(EPOCH_BUDGET_BYTES)} budget.`
  );
}

const layoutOf = (spec: unknown) => new ParamLayout(parseSpec(spec, [1, 28, 28]), 1);

/** The weights a run of `spec` starts from with `seed` (Model.init's numbers; fresh BatchNorm statistics). */
export function initialWeights(spec: unknown, seed: number): Record<string, { shape: number[]; data: Float32Array }> {
  const l = layoutOf(spec);
  return l.unpack(l.initParams(seed), l.freshRunning());
}

/**
 * Null when the initial weights of a run of `from` fit a model of `to` (every parameter there,
 * same names and shapes); else what does not, naming the tensor and both shapes.
 */
export function replayMismatch(from: unknown, to: unknown, run: string): string | null {
  const a = stateDefs(parseSpec(from, [1, 28, 28])).params;
  const b = stateDefs(parseSpec(to, [1, 28, 28])).params;
  const why = `${run}'s initial weights do not fit the model in cell 4`;
  for (const d of b) {
    const s = a.find((x) => x.key === d.key);
    if (!s) return `${why}: it has no ${d.key}, which the model needs at ${shapeStr(d.shape)}.`;
    if (shapeStr(s.shape) !== shapeStr(d.shape)) return `${why}: ${d.key} is ${shapeStr(s.shape)} in ${run}, ${shapeStr(d.shape)} in the model.`;
  }
  const extra = a.find((x) => !b.some((d) => d.key === x.key));
  if (extra) return `${why}: it has ${extra.key} ${shapeStr(extra.shape)}, which the model does not.`;
  return null;
}

/** A short hash of a state dict's parameters (names, shapes, float32 bytes; not the spec text). */
export async function weightsHash(state: Record<string, { shape: readonly number[]; data: Float32Array }>, keys: string[]): Promise<string> {
  const head = new TextEncoder().encode(JSON.stringify(keys.map((k) => [k, state[k].shape])));
  const parts = [head, ...keys.map((k) => new Uint8Array(state[k].data.buffer, state[k].data.byteOffset, state[k].data.byteLength))];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.byteLength;
  }
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return [...d.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
