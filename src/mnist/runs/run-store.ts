// Kept runs in IndexedDB (their own database, beside the checkpoint). A save that would not fit
// the browser's quota for this site is refused with what it needs and what is left; nothing kept
// is ever removed to make room. A run that no longer reads back is listed as bad, not dropped.
import { createStore, del, entries, get, set, setMany, type UseStore } from 'idb-keyval';
import { fmtBytes } from '../../ui/format';
import { runError, type RunRecord } from './run-record';

let db: UseStore | null = null;
const store = () => (db ??= createStore('notebook-runs', 'runs'));

export class QuotaRefusal extends Error {
  override name = 'QuotaRefusal';
}

export interface StorageUse {
  usage: number;
  quota: number;
}

/** The browser's estimate for this site (all of it: runs, checkpoint, offline cache), or null. */
export async function storageUse(): Promise<StorageUse | null> {
  try {
    const e = await navigator.storage?.estimate?.();
    return e && typeof e.usage === 'number' && typeof e.quota === 'number' ? { usage: e.usage, quota: e.quota } : null;
  } catch {
    return null;
  }
}

/** Bytes a run takes in IndexedDB, about: its weights plus its JSON. */
export function runBytes(r: RunRecord): number {
  const perEpoch = (r.epochWeights ?? []).reduce((n, w) => n + w.byteLength, 0);
  return r.weights.byteLength + perEpoch + JSON.stringify({ ...r, weights: null, epochWeights: null }).length * 2;
}

export async function listRuns(): Promise<{ runs: RunRecord[]; bad: { id: string; error: string }[] }> {
  const runs: RunRecord[] = [];
  const bad: { id: string; error: string }[] = [];
  for (const [k, v] of await entries(store())) {
    const err = runError(v, `run ${String(k)}`);
    if (err) bad.push({ id: String(k), error: err });
    else runs.push(v as RunRecord);
  }
  return { runs, bad };
}

/** Saves all of `runs` in one transaction, or none: refused when the quota would be exceeded. */
export async function putRuns(runs: RunRecord[], what: string): Promise<void> {
  const need = runs.reduce((s, r) => s + runBytes(r), 0);
  const use = await storageUse();
  const refuse = (left: string) =>
    new QuotaRefusal(`Not saved: ${what} needs about ${fmtBytes(need)} and ${left}. Delete runs in the table to make room; nothing kept was removed.`);
  if (use && use.quota - use.usage < need)
    throw refuse(`this site has ${fmtBytes(Math.max(0, use.quota - use.usage))} left of the ${fmtBytes(use.quota)} the browser allows it`);
  try {
    await setMany(
      runs.map((r) => [r.id, r]),
      store(),
    );
  } catch (e) {
    if ((e as DOMException).name === 'QuotaExceededError') throw refuse('the browser refused it (storage quota exceeded)');
    throw e;
  }
}

export async function renameRun(id: string, name: string): Promise<void> {
  const r = (await get(id, store())) as RunRecord | undefined;
  if (!r) throw new Error(`run ${id} is no longer kept`);
  await set(id, { ...r, name }, store());
}

export async function deleteRun(id: string): Promise<void> {
  await del(id, store());
}
