// A kept training run (what the runs table lists and the overlay draws) and the checks every run
// read back from IndexedDB or from an imported file goes through, field by field: a bad one is
// refused naming the field, never half-used.
import { readSafetensors } from '../../engine/safetensors';
import { checkClassifier, countParams, parseSpec, stateDefs } from '../../engine/spec';
import { configErrors, limitErrors, MNIST_COUNTS, type TrainConfig } from '../../train/config';
import type { EpochLog } from '../../train/trainer';

export interface RunRecord {
  id: string;
  name: string;
  /** When it ended (ms since 1970). */
  savedAt: number;
  /** How it ended: all its epochs, or stopped early. */
  ended: 'done' | 'stopped';
  spec: unknown;
  params: number;
  config: TrainConfig;
  trainLimit?: number;
  testLimit?: number;
  adapter: string;
  history: EpochLog[];
  /** Training and test time of all epochs (s), and the mean of the epochs' images/s. */
  seconds: number;
  imagesPerSec: number;
  /** .safetensors (PyTorch state_dict names, the spec in its metadata). */
  weights: Uint8Array;
  /** Short hash of the initial weights (epoch-weights.ts): runs that share it started alike. */
  init?: string;
  /** The weights after each epoch, [0] the initial ones (.safetensors); absent beyond the budget. */
  epochWeights?: Uint8Array[];
  /** Why epochWeights is absent (the budget's numbers), when it is. */
  epochNote?: string;
}

/** The assignment: ≥ 99.4% test accuracy within 20 epochs with fewer than 20,000 parameters. */
export const TARGET = { acc: 99.4, epochs: 20, params: 20_000 };

export interface Standing {
  best: { acc: number; epoch: number } | null;
  /** The first epoch at or above TARGET.acc. */
  firstAtTarget: number | null;
  met: boolean;
  /** Why not, when not met. */
  why: string;
}

export function standing(r: RunRecord): Standing {
  let best: Standing['best'] = null;
  for (const h of r.history) if (!best || h.testAcc > best.acc) best = { acc: h.testAcc, epoch: h.epoch };
  const first = r.history.find((h) => h.testAcc >= TARGET.acc)?.epoch ?? null;
  let why = '';
  if (r.params >= TARGET.params) why = `${r.params.toLocaleString('en-US')} parameters (needs fewer than 20,000)`;
  else if (r.testLimit !== undefined && r.testLimit < MNIST_COUNTS.test) why = `tested on ${r.testLimit} images, not all 10,000`;
  else if (first === null || first > TARGET.epochs) why = first === null ? `never reached ${TARGET.acc}%` : `reached ${TARGET.acc}% only at epoch ${first}`;
  return { best, firstAtTarget: first, met: !why, why };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const LOG_FIELDS: (keyof EpochLog)[] = ['epoch', 'trainLoss', 'trainAcc', 'testLoss', 'testAcc', 'seconds', 'imagesPerSec', 'lr'];
export const NAME_MAX = 200;

/**
 * Null when `v` is a usable RunRecord (weights as bytes); else `where` + the first field that is
 * not, and why. The weights must hold every tensor of the spec at its shape.
 */
export function runError(v: unknown, where = 'run'): string | null {
  if (!isObj(v)) return `${where}: ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v}, not a run`;
  const at = (f: string) => `${where}.${f}`;
  if (typeof v.id !== 'string' || !/^[\w-]{1,64}$/.test(v.id)) return `${at('id')}: not an id (1 to 64 letters, digits, - or _)`;
  if (typeof v.name !== 'string' || !v.name.trim() || v.name.length > NAME_MAX) return `${at('name')}: not a name (1 to ${NAME_MAX} characters)`;
  if (!finite(v.savedAt) || v.savedAt < 0) return `${at('savedAt')}: not a time`;
  if (v.ended !== 'done' && v.ended !== 'stopped') return `${at('ended')}: ${JSON.stringify(v.ended)} is not "done" or "stopped"`;
  let params: number;
  let keys: { key: string; shape: number[] }[];
  try {
    const layers = parseSpec(v.spec, [1, 28, 28]);
    checkClassifier(layers, 10);
    params = countParams(layers);
    const d = stateDefs(layers);
    keys = [...d.params, ...d.buffers];
  } catch (e) {
    return `${at('spec')}: ${(e as Error).message}`;
  }
  if (v.params !== params) return `${at('params')}: ${JSON.stringify(v.params)}, but the spec has ${params} parameters`;
  if (!isObj(v.config)) return `${at('config')}: missing`;
  const ce = Object.entries({ ...configErrors(v.config), ...limitErrors(v.trainLimit, v.testLimit) });
  if (ce.length) return `${at(`config.${ce[0][0]}`)}: ${ce[0][1]}`;
  if (typeof v.adapter !== 'string' || v.adapter.length > NAME_MAX) return `${at('adapter')}: not an adapter name`;
  const epochs = (v.config as unknown as TrainConfig).epochs;
  if (!Array.isArray(v.history) || v.history.length < 1 || v.history.length > epochs)
    return `${at('history')}: not a list of 1 to ${epochs} epochs (config.epochs)`;
  for (const [i, h] of v.history.entries()) {
    if (!isObj(h)) return `${at(`history[${i}]`)}: not an epoch log`;
    const bad = LOG_FIELDS.find((k) => !finite(h[k]));
    if (bad) return `${at(`history[${i}].${bad}`)}: not a finite number`;
    if (h.epoch !== i + 1) return `${at(`history[${i}].epoch`)}: ${h.epoch}, expected ${i + 1}`;
    if ((h.testAcc as number) < 0 || (h.testAcc as number) > 100) return `${at(`history[${i}].testAcc`)}: ${h.testAcc} is not a percentage`;
  }
  if (v.ended === 'done' && v.history.length !== epochs) return `${at('history')}: ${v.history.length} epochs for a finished run of ${epochs}`;
  if (!finite(v.seconds) || v.seconds < 0) return `${at('seconds')}: not a duration`;
  if (!finite(v.imagesPerSec) || v.imagesPerSec < 0) return `${at('imagesPerSec')}: not a rate`;
  const w = weightsError(v.weights, keys, at('weights'));
  if (w) return w;
  if (v.init !== undefined && (typeof v.init !== 'string' || !/^[0-9a-f]{8}$/.test(v.init))) return `${at('init')}: not a hash of 8 hex digits`;
  if (v.epochNote !== undefined && (typeof v.epochNote !== 'string' || v.epochNote.length > 2 * NAME_MAX)) return `${at('epochNote')}: not a note`;
  if (v.epochWeights !== undefined) {
    const n = v.history.length + 1;
    if (!Array.isArray(v.epochWeights) || v.epochWeights.length !== n)
      return `${at('epochWeights')}: not a list of ${n} weight sets (epoch 0 and each of the ${n - 1} in history)`;
    for (const [i, e] of v.epochWeights.entries()) {
      const err = weightsError(e, keys, at(`epochWeights[${i}]`));
      if (err) return err;
    }
  }
  return null;
}

/** Null when `b` is .safetensors holding every tensor of `keys` at its shape; else `where` and why not. */
function weightsError(b: unknown, keys: { key: string; shape: number[] }[], where: string): string | null {
  if (!(b instanceof Uint8Array)) return `${where}: missing`;
  try {
    const f = readSafetensors(b, where);
    for (const k of keys) {
      const t = f.tensors[k.key] ?? (f.ints[k.key] ? { shape: [] } : undefined);
      if (!t) return `${where}: no tensor ${k.key} (the spec needs it)`;
      if (JSON.stringify([...t.shape]) !== JSON.stringify(k.shape)) return `${where}: ${k.key} has shape [${t.shape}], the spec needs [${k.shape}]`;
    }
  } catch (e) {
    return (e as Error).message.startsWith(where) ? (e as Error).message : `${where}: ${(e as Error).message}`;
  }
  return null;
}
