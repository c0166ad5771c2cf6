// Runs in and out of one JSON file: {"format", "version", "runs": [...]}, each run as kept in
// IndexedDB with its weights as base64 .safetensors. Reading checks the whole file, field by
// field (run-record.ts), before anything is used: a bad file is refused naming the field.
import { runError, type RunRecord } from './run-record';

export const RUNS_FORMAT = 'webgpu-backprop-notebook/runs';
export const RUNS_VERSION = 1;
/** Larger files are refused before they are read (a run of the default model is about 50 KB). */
export const RUNS_FILE_MAX = 256 * 1024 * 1024;

export class RunsFileError extends Error {
  override name = 'RunsFileError';
}

export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Strict base64 (standard alphabet, padded), else null. */
export function fromBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(s)) return null;
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function runsToJson(runs: RunRecord[]): string {
  return JSON.stringify({ format: RUNS_FORMAT, version: RUNS_VERSION, runs: runs.map((r) => ({ ...r, weights: toBase64(r.weights), ...(r.epochWeights ? { epochWeights: r.epochWeights.map(toBase64) } : {}) })),
  });
}

/** Every run of the file, checked; throws RunsFileError naming the file and the first bad field. */
export function runsFromJson(text: string, file: string): RunRecord[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new RunsFileError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RunsFileError(`${file}: not a runs file (the top level is not an object)`);
  const o = v as Record<string, unknown>;
  if (o.format !== RUNS_FORMAT) throw new RunsFileError(`${file}: format is ${JSON.stringify(o.format)}, not "${RUNS_FORMAT}"`);
  if (o.version !== RUNS_VERSION) throw new RunsFileError(`${file}: version ${JSON.stringify(o.version)} is not ${RUNS_VERSION}, the one this page reads`);
  if (!Array.isArray(o.runs) || o.runs.length === 0) throw new RunsFileError(`${file}: runs is not a list of one or more runs`);
  const ids = new Set<string>();
  return o.runs.map((r, i) => {
    const where = `${file}: runs[${i}]`;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new RunsFileError(`${where}: not a run`);
    const w = (r as Record<string, unknown>).weights;
    if (typeof w !== 'string') throw new RunsFileError(`${where}.weights: not a base64 string`);
    const bytes = fromBase64(w);
    if (!bytes) throw new RunsFileError(`${where}.weights: not valid base64`);
    const run: Record<string, unknown> = { ...r, weights: bytes };
    const ew = (r as Record<string, unknown>).epochWeights;
    if (ew !== undefined) {
      if (!Array.isArray(ew)) throw new RunsFileError(`${where}.epochWeights: not a list of base64 strings`);
      run.epochWeights = ew.map((e, k) => {
        const b = typeof e === 'string' ? fromBase64(e) : null;
        if (!b) throw new RunsFileError(`${where}.epochWeights[${k}]: not valid base64`);
        return b;
      });
    }
    const err = runError(run, where);
    if (err) throw new RunsFileError(err);
    if (ids.has(run.id as string)) throw new RunsFileError(`${where}.id: ${run.id} appears twice in the file`);
    ids.add(run.id as string);
    return run as unknown as RunRecord;
  });
}
