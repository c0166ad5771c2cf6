// The backprop section's form as a pure module: strings (the inputs, the page's query) → a typed
// ToySetup, with a message per field. The GPU computes in float32, so a number that float32 cannot
// hold is refused at its field (1e300 would silently become ∞ there), and one that float32 rounds
// to 0 or to a subnormal is flagged.
import { strictNumber } from '../train/config';
import type { ToySetup } from './toy';

export const FIELDS = ['i1', 'i2', 't1', 't2', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7', 'w8', 'b1', 'b2', 'lr'] as const;
export type Field = (typeof FIELDS)[number];
export type FieldText = Record<Field, string>;

/** What the form holds: the text of every field and the two switches. */
export interface ToyFormInput {
  fields: FieldText;
  biases: boolean;
  learnBiases: boolean;
}

export interface ToyForm {
  /** null while any field is refused. */
  setup: ToySetup | null;
  /** Refused fields: nothing runs until they are fixed. */
  errors: Partial<Record<Field, string>>;
  /** Accepted, but float32 will not hold the value as typed. */
  notes: Partial<Record<Field, string>>;
}

/** Largest finite float32 (≈ 3.4028235e38). */
export const F32_MAX = 3.4028234663852886e38;
/** Smallest positive normal float32 (2⁻¹²⁶ ≈ 1.18e-38); below it float32 keeps fewer digits, then 0. */
export const F32_MIN_NORMAL = 1.1754943508222875e-38;

export function toFields(s: ToySetup): FieldText {
  const f = { i1: s.i1, i2: s.i2, t1: s.t1, t2: s.t2, b1: s.b1, b2: s.b2, lr: s.lr } as Record<Field, number>;
  s.w.forEach((w, k) => (f[`w${k + 1}` as Field] = w));
  return Object.fromEntries(FIELDS.map((k) => [k, String(f[k])])) as FieldText;
}

/** One field: a strict number ("", "1e", "0x10", "abc" are errors) that float32 can hold. */
export function parseField(k: Field, raw: string): { value?: number; error?: string; note?: string } {
  const t = raw.trim();
  if (t === '') return { error: 'required' };
  const v = strictNumber(t);
  if (Number.isNaN(v)) return { error: 'not a number' };
  if (!Number.isFinite(v) || !Number.isFinite(Math.fround(v))) return { error: `too large for float32 (max ±3.4e38): the GPU would compute with ∞` };
  if (k === 'lr' && v <= 0) return { error: 'η must be > 0' };
  const f = Math.fround(v);
  if (v !== 0 && f === 0) return { value: v, note: `below float32's smallest value (1.4e-45): the GPU uses 0` };
  if (Math.abs(v) < F32_MIN_NORMAL && v !== 0)
    return { value: v, note: `below float32's normal range (1.2e-38): the GPU keeps only a few digits (${f.toPrecision(3)})` };
  return { value: v };
}

export function parseToyForm({ fields, biases, learnBiases }: ToyFormInput): ToyForm {
  const errors: ToyForm['errors'] = {};
  const notes: ToyForm['notes'] = {};
  const v = {} as Record<Field, number>;
  for (const k of FIELDS) {
    if ((k === 'b1' || k === 'b2') && !biases) continue;
    const r = parseField(k, fields[k]);
    if (r.error !== undefined) errors[k] = r.error;
    else v[k] = r.value!;
    if (r.note !== undefined) notes[k] = r.note;
  }
  if (Object.keys(errors).length) return { setup: null, errors, notes };
  return {
    setup: {
      i1: v.i1,
      i2: v.i2,
      t1: v.t1,
      t2: v.t2,
      lr: v.lr,
      w: [v.w1, v.w2, v.w3, v.w4, v.w5, v.w6, v.w7, v.w8],
      biases,
      learnBiases: biases && learnBiases,
      b1: biases ? v.b1 : 0,
      b2: biases ? v.b2 : 0,
    },
    errors,
    notes,
  };
}

/** The form as the page's query sets it (fields not in the query keep `base`). */
export function formFromQuery(search: string, base: ToyFormInput): ToyFormInput {
  const q = new URLSearchParams(search);
  const fields = { ...base.fields };
  for (const k of FIELDS) {
    const v = q.get(k);
    if (v !== null) fields[k] = v;
  }
  return {
    fields,
    biases: base.biases || q.has('b1') || q.has('b2'),
    learnBiases: base.learnBiases || q.get('learnBiases') === '1',
  };
}

/** The query that reproduces the form (the "Copy link" button). */
export function formToQuery(f: ToyFormInput): URLSearchParams {
  const q = new URLSearchParams({ section: 'toy' });
  for (const k of FIELDS) if ((k !== 'b1' && k !== 'b2') || f.biases) q.set(k, f.fields[k].trim());
  if (f.biases && f.learnBiases) q.set('learnBiases', '1');
  return q;
}

export const MAX_LRS = 12;

/** The learning-rate list of the comparison cell: "0.1, 0.5 2" → [0.1, 0.5, 2], or why not. */
export function parseLrList(text: string): { lrs: number[] } | { error: string } {
  const parts = text.split(/[,\s]+/).filter(Boolean);
  if (!parts.length) return { error: 'Give a list of learning rates > 0, separated by commas.' };
  const lrs: number[] = [];
  for (const p of parts) {
    const v = strictNumber(p);
    if (!Number.isFinite(v) || v <= 0 || !Number.isFinite(Math.fround(v)))
      return { error: `"${p}" is not a learning rate: give numbers > 0 (float32-sized), separated by commas.` };
    lrs.push(v);
  }
  if (lrs.length > MAX_LRS) return { error: `At most ${MAX_LRS} learning rates at once.` };
  return { lrs };
}
