// The MNIST section's inputs as the user typed them (strings), and their meaning through the same
// strict parser the CLI uses. Pure: no DOM, no state.
import { summarize, type Summary } from '../engine/summary';
import { classifierError, parseSpec, readSpecText, SpecError } from '../engine/spec';
import defaultSpec from '../models/mnist-default.json';
import { DEFAULT_CONFIG, parseConfig, type RawConfig, type TrainConfig } from '../train/config';

export interface Form {
  epochs: string;
  batch: string;
  lr: string;
  momentum: string;
  weightDecay: string;
  seed: string;
  trainLimit: string;
  testLimit: string;
  rotation: string;
  cropP: string;
  /** 'OneCycleLR' | 'StepLR' | 'constant' from the menu; anything else (from the URL) is refused at the field. */
  schedule: string;
  stepSize: string;
  gamma: string;
}

/** A spec as the editor shows it: one layer per line. */
export function specToText(spec: unknown): string {
  return Array.isArray(spec) ? `[\n${spec.map((l) => `  ${JSON.stringify(l)}`).join(',\n')}\n]` : JSON.stringify(spec);
}

export const DEFAULT_SPEC_TEXT = specToText(defaultSpec);

/** The form as a link or the defaults preset it. */
export function initialForm(query: URLSearchParams): Form {
  const get = (k: string, d: string | number) => query.get(k) ?? String(d);
  return {
    epochs: get('epochs', DEFAULT_CONFIG.epochs),
    batch: get('batch', DEFAULT_CONFIG.batch),
    lr: get('lr', DEFAULT_CONFIG.lr),
    momentum: get('momentum', DEFAULT_CONFIG.momentum),
    weightDecay: get('weightDecay', DEFAULT_CONFIG.weightDecay),
    seed: get('seed', DEFAULT_CONFIG.seed),
    trainLimit: get('trainLimit', ''),
    testLimit: get('testLimit', ''),
    rotation: get('rotation', DEFAULT_CONFIG.augment.rotation),
    cropP: get('cropP', DEFAULT_CONFIG.augment.cropP),
    schedule: query.get('schedule') ?? 'OneCycleLR',
    stepSize: get('stepSize', 8),
    gamma: get('gamma', 0.1),
  };
}

/** The form that shows a config (a restored run's). */
export function formFrom(c: TrainConfig, trainLimit?: number, testLimit?: number): Form {
  const s = c.schedule;
  return {
    epochs: String(c.epochs),
    batch: String(c.batch),
    lr: String(c.lr),
    momentum: String(c.momentum),
    weightDecay: String(c.weightDecay),
    seed: String(c.seed),
    trainLimit: trainLimit ? String(trainLimit) : '',
    testLimit: testLimit ? String(testLimit) : '',
    rotation: String(c.augment.rotation),
    cropP: String(c.augment.cropP),
    schedule: s.type,
    stepSize: s.type === 'StepLR' ? String(s.step_size) : '8',
    gamma: s.type === 'StepLR' ? String(s.gamma) : '0.1',
  };
}

export interface ParsedForm {
  config: TrainConfig | null;
  /** Refusals by form field. */
  errors: Record<string, string>;
  trainLimit?: number;
  testLimit?: number;
}

/** The form through the CLI's parser; an empty limit means "all of the split" (the field says so). */
export function parseForm(f: Form): ParsedForm {
  const raw: RawConfig = {
    epochs: f.epochs,
    batch: f.batch,
    lr: f.lr,
    momentum: f.momentum,
    weightDecay: f.weightDecay,
    seed: f.seed,
    rotation: f.rotation,
    cropP: f.cropP,
    schedule: f.schedule,
  };
  if (f.trainLimit.trim() !== '') raw.trainLimit = f.trainLimit;
  if (f.testLimit.trim() !== '') raw.testLimit = f.testLimit;
  if (f.schedule === 'StepLR') Object.assign(raw, { stepSize: f.stepSize, gamma: f.gamma });
  const r = parseConfig(raw);
  if (!r.ok) return { config: null, errors: r.errors as Record<string, string> };
  return { config: r.value.config, errors: {}, trainLimit: r.value.trainLimit, testLimit: r.value.testLimit };
}

export interface ParsedSpec {
  value: unknown;
  error: string | null;
  summary: Summary | null;
}

/** The editor's text: bounded before parsing, shapes checked, and a classifier over 10 classes. */
export function parseSpecText(text: string): ParsedSpec {
  try {
    const value = readSpecText(text);
    const summary = summarize(value, [1, 28, 28]);
    return { value, error: classifierError(parseSpec(value, [1, 28, 28]), 10), summary };
  } catch (e) {
    return { value: null, error: e instanceof SpecError ? e.message : `The model spec is not valid JSON: ${(e as Error).message}`, summary: null };
  }
}

/** A short run for a software adapter: what "Run all" uses there, and what the warning links to. */
export const SHORT_RUN = { trainLimit: 1024, testLimit: 500, epochs: 2 };
export const SHORT_RUN_QUERY = `?section=mnist&trainLimit=${SHORT_RUN.trainLimit}&testLimit=${SHORT_RUN.testLimit}&epochs=${SHORT_RUN.epochs}`;

/** The longest model spec a link carries (characters of compact JSON, before URL encoding). */
export const LINK_MODEL_CHARS = 4000;

/**
 * The query that reproduces the fields and the spec ("Copy link"): every field that differs from
 * the defaults, and the spec as compact JSON unless it is the default one; a spec longer than
 * LINK_MODEL_CHARS, or one that is not JSON, is refused with the reason.
 */
export function mnistQuery(form: Form, specText: string): { query: URLSearchParams } | { error: string } {
  const q = new URLSearchParams({ section: 'mnist' });
  const defaults = initialForm(new URLSearchParams());
  for (const k of Object.keys(form) as (keyof Form)[]) {
    if ((k === 'stepSize' || k === 'gamma') && form.schedule !== 'StepLR') continue;
    if (form[k].trim() !== defaults[k]) q.set(k, form[k].trim());
  }
  if (specText !== DEFAULT_SPEC_TEXT) {
    let compact: string;
    try {
      compact = JSON.stringify(readSpecText(specText));
    } catch (e) {
      return { error: `No link: the model spec cannot be read (${(e as Error).message}).` };
    }
    if (compact.length > LINK_MODEL_CHARS)
      return {
        error: `No link: the model spec is ${compact.length.toLocaleString('en-US')} characters as compact JSON, more than the ${LINK_MODEL_CHARS.toLocaleString('en-US')} a link carries. Export the weights instead: the spec travels in their metadata.`,
      };
    if (compact !== JSON.stringify(defaultSpec)) q.set('model', compact);
  }
  return { query: q };
}
