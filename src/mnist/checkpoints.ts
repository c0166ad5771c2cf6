// The last training checkpoint, kept in IndexedDB so a reload or a crash loses at most one epoch.
// What is read back is checked field by field before the page uses any of it: a checkpoint from
// an older version, a damaged store or a hand-edited one is reported (with a way to discard it),
// never thrown on every reload.
import { del, get, set } from 'idb-keyval';
import { readSafetensors } from '../engine/safetensors';
import { checkClassifier, parseSpec } from '../engine/spec';
import { configErrors, limitErrors } from '../train/config';
import type { EpochLog } from '../train/trainer';
import type { Checkpoint } from './protocol';

const KEY = 'mnist-checkpoint';

/** A checkpoint plus what the page needs to redraw its charts. */
export interface SavedRun extends Checkpoint {
  trainPoints: { x: number; y: number }[];
  trainAccPoints: { x: number; y: number }[];
  firstLoss: number | null;
}

export type Loaded = { run: SavedRun; error: null } | { run: null; error: string } | { run: null; error: null };

export async function saveRun(run: SavedRun): Promise<void> {
  await set(KEY, run);
}

export async function loadRun(): Promise<Loaded> {
  let raw: unknown;
  try {
    raw = await get(KEY);
  } catch {
    return { run: null, error: null }; // IndexedDB unavailable (private mode): nothing to resume
  }
  if (raw === undefined) return { run: null, error: null };
  const error = checkpointError(raw);
  return error ? { run: null, error } : { run: raw as SavedRun, error: null };
}

export async function clearRun(): Promise<void> {
  try {
    await del(KEY);
  } catch {
    /* nothing stored */
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const LOG_FIELDS: (keyof EpochLog)[] = ['epoch', 'trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'seconds', 'imagesPerSec', 'lr'];

/** Null when `v` is a usable SavedRun; else the first field that is not, and why. */
export function checkpointError(v: unknown): string | null {
  if (!isObj(v)) return `the checkpoint is ${v === null ? 'null' : typeof v}, not a saved run`;
  if (!num(v.savedAt)) return 'savedAt: not a time';
  try {
    checkClassifier(parseSpec(v.spec, [1, 28, 28]), 10);
  } catch (e) {
    return `spec: ${(e as Error).message}`;
  }
  if (!isObj(v.config)) return 'config: missing';
  const ce = Object.entries({ ...configErrors(v.config), ...limitErrors(v.trainLimit, v.testLimit) });
  if (ce.length) return `config.${ce[0][0]}: ${ce[0][1]}`;
  const epochs = (v.config as { epochs: number }).epochs;
  if (!(Number.isInteger(v.epoch) && (v.epoch as number) >= 0 && (v.epoch as number) <= epochs))
    return `epoch: ${JSON.stringify(v.epoch)} is not a whole number from 0 to ${epochs}`;
  if (!Array.isArray(v.history)) return 'history: not a list of epochs';
  if (v.history.length !== v.epoch) return `history: ${v.history.length} epochs logged for a checkpoint after epoch ${v.epoch}`;
  for (const [i, h] of v.history.entries()) {
    if (!isObj(h)) return `history[${i}]: not an epoch log`;
    const bad = LOG_FIELDS.find((k) => !num(h[k]));
    if (bad) return `history[${i}].${bad}: not a finite number`;
    if (h.epoch !== i + 1) return `history[${i}].epoch: ${h.epoch}, expected ${i + 1}`;
  }
  if (!(v.weights instanceof Uint8Array)) return 'weights: missing';
  try {
    readSafetensors(v.weights, 'weights');
  } catch (e) {
    return `weights: ${(e as Error).message}`;
  }
  if (!(v.momenta instanceof Float32Array) || !v.momenta.every(Number.isFinite)) return 'momenta: not a list of finite float32 values';
  for (const k of ['trainPoints', 'trainAccPoints'] as const) {
    const p = v[k];
    if (!Array.isArray(p) || !p.every((q) => isObj(q) && typeof q.x === 'number' && typeof q.y === 'number')) return `${k}: not a list of points`;
  }
  if (v.firstLoss !== null && typeof v.firstLoss !== 'number') return 'firstLoss: not a number';
  return null;
}
