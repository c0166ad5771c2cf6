// The training configuration: defaults, bounds, and the one strict parser from strings (CLI argv,
// URL query, form fields) to a typed config that the CLI, the benchmarks and the page all use.
// Every refusal is keyed by field and says what the field must be; nothing is read loosely
// ("" is not 0, "0x10" is not 16, "1e" is not 1).
import { NO_AUGMENT, type AugmentConfig } from '../engine/ops/augment';
import type { Schedule } from './schedule';

export interface TrainConfig {
  epochs: number;
  batch: number;
  /** lr (constant, StepLR) or max_lr (OneCycleLR). */
  lr: number;
  momentum: number;
  weightDecay: number;
  schedule: Schedule;
  seed: number;
  augment: AugmentConfig;
}

export const DEFAULT_CONFIG: TrainConfig = {
  epochs: 20,
  batch: 128,
  lr: 0.1,
  momentum: 0.9,
  weightDecay: 0,
  schedule: { type: 'OneCycleLR' },
  seed: 1,
  augment: { ...NO_AUGMENT, rotation: 7 },
};

/** A config plus how much of each split to use (undefined: all of it). */
export interface RunConfig {
  config: TrainConfig;
  trainLimit?: number;
  testLimit?: number;
}

export type ConfigField =
  'epochs' | 'batch' | 'lr' | 'momentum' | 'weightDecay' | 'seed' | 'trainLimit' | 'testLimit' | 'rotation' | 'cropP' | 'schedule' | 'stepSize' | 'gamma';

export type ConfigErrors = Partial<Record<ConfigField | 'crop', string>>;

/** The split sizes the limits are bounded by (MNIST's). */
export const MNIST_COUNTS = { train: 60000, test: 10000 };

interface Rule {
  int?: boolean;
  min: number;
  max: number;
  /** The bound itself is excluded. */
  minOpen?: boolean;
  maxOpen?: boolean;
}

const RULES: Record<Exclude<ConfigField, 'schedule' | 'trainLimit' | 'testLimit'>, Rule> = {
  epochs: { int: true, min: 1, max: 1000 },
  batch: { int: true, min: 1, max: 65536 },
  lr: { min: 0, max: 100, minOpen: true },
  momentum: { min: 0, max: 1, maxOpen: true },
  weightDecay: { min: 0, max: 1 },
  seed: { int: true, min: 0, max: 0xffffffff },
  rotation: { min: 0, max: 180 },
  cropP: { min: 0, max: 1 },
  stepSize: { int: true, min: 1, max: 1000 },
  gamma: { min: 0, max: 1, minOpen: true },
};

function describe(r: Rule): string {
  const lo = r.minOpen ? '(' : '[';
  const hi = r.maxOpen ? ')' : ']';
  return r.int ? `a whole number from ${r.min} to ${r.max}` : `a number in ${lo}${r.min}, ${r.max}${hi}`;
}

/** Null when `v` satisfies the rule, else what it must be. */
function check(r: Rule, v: unknown): string | null {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (!r.int || Number.isInteger(v)) &&
    (r.minOpen ? v > r.min : v >= r.min) &&
    (r.maxOpen ? v < r.max : v <= r.max);
  return ok ? null : `must be ${describe(r)}`;
}

/** A plain decimal number ("12", "-0.5", ".5", "1e-3"), or NaN for anything else ("", "0x10", "1e", " "). */
export function strictNumber(s: string): number {
  const t = s.trim();
  return /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? Number(t) : NaN;
}

const SCHEDULES: Record<string, Schedule['type']> = {
  onecycle: 'OneCycleLR',
  OneCycleLR: 'OneCycleLR',
  step: 'StepLR',
  StepLR: 'StepLR',
  constant: 'constant',
};

/** Problems with a typed configuration, by field (empty when it is fine). */
export function configErrors(c: Partial<TrainConfig>): ConfigErrors {
  const e: ConfigErrors = {};
  for (const k of ['epochs', 'batch', 'lr', 'momentum', 'weightDecay', 'seed'] as const) {
    const m = check(RULES[k], c[k]);
    if (m) e[k] = m;
  }
  const a = c.augment;
  if (!a || typeof a !== 'object') e.rotation = 'augmentation settings are missing';
  else {
    const r = check(RULES.rotation, a.rotation);
    if (r) e.rotation = r;
    const p = check(RULES.cropP, a.cropP);
    if (p) e.cropP = p;
    if (!(Number.isInteger(a.crop) && a.crop >= 1 && a.crop <= 28)) e.crop = 'must be a whole number of pixels from 1 to 28';
  }
  const s = c.schedule;
  if (!s || typeof s !== 'object' || !['OneCycleLR', 'StepLR', 'constant'].includes(s.type)) e.schedule = 'must be onecycle, step or constant';
  else if (s.type === 'StepLR') {
    const st = check(RULES.stepSize, s.step_size);
    if (st) e.stepSize = st;
    const g = check(RULES.gamma, s.gamma);
    if (g) e.gamma = g;
  } else if (s.type === 'OneCycleLR' && s.pct_start !== undefined && !(s.pct_start > 0 && s.pct_start < 1)) {
    e.schedule = 'OneCycleLR pct_start must be in (0, 1)';
  }
  return e;
}

/** Problems with the split limits (undefined = all of the split). */
export function limitErrors(trainLimit: unknown, testLimit: unknown, counts = MNIST_COUNTS): ConfigErrors {
  const e: ConfigErrors = {};
  if (trainLimit !== undefined) {
    const m = check({ int: true, min: 1, max: counts.train }, trainLimit);
    if (m) e.trainLimit = m;
  }
  if (testLimit !== undefined) {
    const m = check({ int: true, min: 1, max: counts.test }, testLimit);
    if (m) e.testLimit = m;
  }
  return e;
}

export type RawConfig = Partial<Record<ConfigField, string>>;

/**
 * Strings to a typed run config. A field that is absent takes its default; a field that is
 * present must hold a value of the right kind within its bounds ("" is refused: "needs a value").
 * `counts` bounds the limits by the data actually there.
 */
export function parseConfig(
  raw: RawConfig,
  base: TrainConfig = DEFAULT_CONFIG,
  counts = MNIST_COUNTS,
): { ok: true; value: RunConfig } | { ok: false; errors: ConfigErrors } {
  const errors: ConfigErrors = {};
  const num = (k: ConfigField, def: number | undefined): number | undefined => {
    const s = raw[k];
    if (s === undefined) return def;
    if (s.trim() === '') {
      errors[k] = 'needs a value';
      return NaN;
    }
    const v = strictNumber(s);
    if (Number.isNaN(v)) errors[k] = `must be a plain decimal number, got ${JSON.stringify(s)}`;
    return v;
  };
  let schedule: Schedule = base.schedule;
  if (raw.schedule !== undefined) {
    const type = SCHEDULES[raw.schedule.trim()];
    if (!type) errors.schedule = `must be onecycle, step or constant, got ${JSON.stringify(raw.schedule)}`;
    else schedule = type === 'StepLR' ? { type, step_size: 8, gamma: 0.1 } : { type };
  }
  if (schedule.type === 'StepLR') {
    schedule = { type: 'StepLR', step_size: num('stepSize', schedule.step_size)!, gamma: num('gamma', schedule.gamma)! };
  } else {
    for (const k of ['stepSize', 'gamma'] as const) if (raw[k] !== undefined && !errors.schedule) errors[k] = 'applies only to the step schedule';
  }
  const config: TrainConfig = {
    epochs: num('epochs', base.epochs)!,
    batch: num('batch', base.batch)!,
    lr: num('lr', base.lr)!,
    momentum: num('momentum', base.momentum)!,
    weightDecay: num('weightDecay', base.weightDecay)!,
    seed: num('seed', base.seed)!,
    schedule,
    augment: { ...base.augment, rotation: num('rotation', base.augment.rotation)!, cropP: num('cropP', base.augment.cropP)! },
  };
  const trainLimit = num('trainLimit', undefined);
  const testLimit = num('testLimit', undefined);
  // Parse errors first; range errors only for fields that parsed.
  for (const [k, m] of Object.entries({ ...configErrors(config), ...limitErrors(trainLimit, testLimit, counts) }))
    if (!errors[k as ConfigField]) errors[k as ConfigField] = m;
  if (Object.keys(errors).length) return { ok: false, errors };
  return { ok: true, value: { config, trainLimit, testLimit } };
}

/** The errors as one line per field, each naming it as `name(field)` does (e.g. "--weight-decay"). */
export function errorLines(errors: ConfigErrors, name: (f: string) => string): string {
  return Object.entries(errors)
    .map(([k, m]) => `${name(k)} ${m}`)
    .join('\n');
}
