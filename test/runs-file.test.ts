// Kept runs: the JSON file round trip, every refusal of a bad file by its exact message (the field
// named), and the assignment's target as met / not met with the reason.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeSafetensors } from '../src/engine/safetensors';
import { parseSpec, stateDefs } from '../src/engine/spec';
import { DEFAULT_CONFIG } from '../src/train/config';
import type { EpochLog } from '../src/train/trainer';
import { runError, standing, type RunRecord } from '../src/mnist/runs/run-record';
import { fromBase64, RUNS_FORMAT, runsFromJson, runsToJson, toBase64 } from '../src/mnist/runs/runs-file';

const spec = JSON.parse(readFileSync('src/models/mnist-default.json', 'utf8'));
const defs = stateDefs(parseSpec(spec, [1, 28, 28]));

function weights(skip = '', reshape = ''): Uint8Array {
  const t: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const d of [...defs.params, ...defs.buffers]) {
    if (d.key === skip) continue;
    const shape = d.key === reshape ? [d.shape.reduce((a, b) => a * b, 1)] : d.shape;
    t[d.key] = { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) };
  }
  return writeSafetensors(t, {}, { model: JSON.stringify(spec) });
}

const log = (epoch: number, testAcc: number): EpochLog => ({
  epoch,
  trainLoss: 0.1,
  trainAcc: 97,
  testLoss: 0.05,
  testAcc,
  seconds: 2,
  imagesPerSec: 3000,
  lr: 0.01,
});

function run(over: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 'run-a',
    name: 'first try',
    savedAt: 1_700_000_000_000,
    ended: 'stopped',
    spec,
    params: 8880,
    config: DEFAULT_CONFIG,
    adapter: 'swiftshader',
    history: [log(1, 98.5), log(2, 99.1)],
    seconds: 4,
    imagesPerSec: 3000,
    weights: weights(),
    ...over,
  };
}

/** The file of `runs`, with `edit` applied to its parsed JSON first. */
function file(edit: (o: any) => void = () => {}, runs = [run()]): string {
  const o = JSON.parse(runsToJson(runs));
  edit(o);
  return JSON.stringify(o);
}

const refused = (text: string) => () => runsFromJson(text, 'runs.json');

describe('runs file', () => {
  it('round-trips every field, the weights byte for byte', () => {
    const a = run();
    const b = run({ id: 'run-b', name: 'second', trainLimit: 1024, testLimit: 500 });
    const back = runsFromJson(runsToJson([a, b]), 'runs.json');
    expect(back).toEqual([a, b]);
    expect(back[0].weights).toBeInstanceOf(Uint8Array);
    expect([...back[1].weights]).toEqual([...b.weights]);
  });

  it('base64: the bytes back, and strict about the alphabet and padding', () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 37) % 256);
    expect([...fromBase64(toBase64(bytes))!]).toEqual([...bytes]);
    expect(toBase64(new Uint8Array([1, 2, 3, 4]))).toBe('AQIDBA==');
    expect(fromBase64('AQIDBA')).toBeNull();
    expect(fromBase64('AQID*A==')).toBeNull();
  });

  it('refuses a bad file naming the field', () => {
    expect(refused('{"format":')).toThrow(/^runs\.json: not JSON \(/);
    expect(refused('[]')).toThrow('runs.json: not a runs file (the top level is not an object)');
    expect(refused(file((o) => (o.format = 'other')))).toThrow(`runs.json: format is "other", not "${RUNS_FORMAT}"`);
    expect(refused(file((o) => (o.version = 2)))).toThrow('runs.json: version 2 is not 1, the one this page reads');
    expect(refused(file((o) => (o.runs = [])))).toThrow('runs.json: runs is not a list of one or more runs');
    expect(refused(file((o) => (o.runs[0] = 7)))).toThrow('runs.json: runs[0]: not a run');
    expect(refused(file((o) => (o.runs[0].weights = 'AQID*A==')))).toThrow('runs.json: runs[0].weights: not valid base64');
    expect(refused(file((o) => delete o.runs[0].weights))).toThrow('runs.json: runs[0].weights: not a base64 string');
    expect(refused(file((o) => (o.runs[0].id = 'a b')))).toThrow('runs.json: runs[0].id: not an id (1 to 64 letters, digits, - or _)');
    expect(refused(file((o) => (o.runs[0].name = '  ')))).toThrow('runs.json: runs[0].name: not a name (1 to 200 characters)');
    expect(refused(file((o) => (o.runs[0].savedAt = 'yesterday')))).toThrow('runs.json: runs[0].savedAt: not a time');
    expect(refused(file((o) => (o.runs[0].ended = 'crashed')))).toThrow('runs.json: runs[0].ended: "crashed" is not "done" or "stopped"');
    expect(refused(file((o) => o.runs[0].spec.pop()))).toThrow(/^runs\.json: runs\[0\]\.spec: /);
    expect(refused(file((o) => (o.runs[0].params = 9000)))).toThrow('runs.json: runs[0].params: 9000, but the spec has 8880 parameters');
    expect(refused(file((o) => (o.runs[0].config.lr = -1)))).toThrow(/^runs\.json: runs\[0\]\.config\.lr: /);
    expect(refused(file((o) => (o.runs[0].testLimit = 20000)))).toThrow(/^runs\.json: runs\[0\]\.config\.testLimit: /);
    expect(refused(file((o) => (o.runs[0].adapter = 5)))).toThrow('runs.json: runs[0].adapter: not an adapter name');
    expect(refused(file((o) => (o.runs[0].history = [])))).toThrow('runs.json: runs[0].history: not a list of 1 to 20 epochs (config.epochs)');
    expect(refused(file((o) => (o.runs[0].history[1].testAcc = null)))).toThrow('runs.json: runs[0].history[1].testAcc: not a finite number');
    expect(refused(file((o) => (o.runs[0].history[1].epoch = 3)))).toThrow('runs.json: runs[0].history[1].epoch: 3, expected 2');
    expect(refused(file((o) => (o.runs[0].history[0].testAcc = 101)))).toThrow('runs.json: runs[0].history[0].testAcc: 101 is not a percentage');
    expect(refused(file((o) => (o.runs[0].ended = 'done')))).toThrow('runs.json: runs[0].history: 2 epochs for a finished run of 20');
    expect(refused(file((o) => (o.runs[0].seconds = -1)))).toThrow('runs.json: runs[0].seconds: not a duration');
    expect(refused(file((o) => (o.runs[0].imagesPerSec = '3000')))).toThrow('runs.json: runs[0].imagesPerSec: not a rate');
    expect(refused(file(() => {}, [run(), run()]))).toThrow('runs.json: runs[1].id: run-a appears twice in the file');
  });

  it('refuses weights that do not fit the spec or are not safetensors', () => {
    const w = (b: Uint8Array) => file((o) => (o.runs[0].weights = toBase64(b)));
    expect(refused(w(weights('0.weight')))).toThrow('runs.json: runs[0].weights: no tensor 0.weight (the spec needs it)');
    const first = defs.params[0];
    expect(refused(w(weights('', first.key)))).toThrow(
      `runs.json: runs[0].weights: ${first.key} has shape [${first.shape.reduce((a, b) => a * b, 1)}], the spec needs [${first.shape}]`,
    );
    expect(refused(w(new Uint8Array([1, 2, 3])))).toThrow('runs.json: runs[0].weights is truncated: 3 bytes, not even the 8-byte header length');
  });
});

describe('weights per epoch in a kept run', () => {
  const three = () => [weights(), weights(), weights()];
  const w = (edit: (o: any) => void) => file(edit, [run({ epochWeights: three(), init: '0a1b2c3d' })]);

  it('round-trip: epoch 0 to the last, byte for byte, with the init hash and a note', () => {
    const a = run({ epochWeights: three(), init: '0a1b2c3d' });
    const b = run({ id: 'run-b', epochNote: 'not kept: over the budget' });
    const back = runsFromJson(runsToJson([a, b]), 'runs.json');
    expect(back).toEqual([a, b]);
    expect(back[0].epochWeights![2]).toBeInstanceOf(Uint8Array);
  });

  it('refuses bad per-epoch weights naming the field', () => {
    expect(refused(w((o) => o.runs[0].epochWeights.pop()))).toThrow(
      'runs.json: runs[0].epochWeights: not a list of 3 weight sets (epoch 0 and each of the 2 in history)',
    );
    expect(refused(w((o) => (o.runs[0].epochWeights = 'AAAA')))).toThrow('runs.json: runs[0].epochWeights: not a list of base64 strings');
    expect(refused(w((o) => (o.runs[0].epochWeights[1] = 'AQID*A==')))).toThrow('runs.json: runs[0].epochWeights[1]: not valid base64');
    expect(refused(w((o) => (o.runs[0].epochWeights[1] = 5)))).toThrow('runs.json: runs[0].epochWeights[1]: not valid base64');
    expect(refused(w((o) => (o.runs[0].epochWeights[2] = toBase64(weights('0.weight')))))).toThrow(
      'runs.json: runs[0].epochWeights[2]: no tensor 0.weight (the spec needs it)',
    );
    expect(refused(w((o) => (o.runs[0].epochWeights[0] = toBase64(new Uint8Array([1, 2, 3])))))).toThrow(
      'runs.json: runs[0].epochWeights[0] is truncated: 3 bytes, not even the 8-byte header length',
    );
    expect(refused(w((o) => (o.runs[0].init = 'xyz')))).toThrow('runs.json: runs[0].init: not a hash of 8 hex digits');
    expect(refused(w((o) => (o.runs[0].epochNote = 7)))).toThrow('runs.json: runs[0].epochNote: not a note');
  });

  it('a record read back from IndexedDB goes through the same checks', () => {
    expect(runError(run({ epochWeights: [weights(), weights()] }))).toBe(
      'run.epochWeights: not a list of 3 weight sets (epoch 0 and each of the 2 in history)',
    );
    expect(runError(run({ epochWeights: [weights(), weights(), new Uint8Array(0) as Uint8Array] }))).toMatch(/^run\.epochWeights\[2\]/);
  });
});

describe('the assignment target', () => {
  const full = (h: EpochLog[], over: Partial<RunRecord> = {}) => standing(run({ history: h, ...over }));
  it('met: under 20,000 parameters, all 10,000 test images, 99.4% by epoch 20', () => {
    const st = full([log(1, 99.0), log(2, 99.45), log(3, 99.41)]);
    expect(st).toEqual({ best: { acc: 99.45, epoch: 2 }, firstAtTarget: 2, met: true, why: '' });
  });
  it('not met, with the reason', () => {
    expect(full([log(1, 99.1)]).why).toBe('never reached 99.4%');
    expect(full([log(1, 99.5)], { params: 20_000 }).why).toBe('20,000 parameters (needs fewer than 20,000)');
    expect(full([log(1, 99.5)], { testLimit: 500 }).why).toBe('tested on 500 images, not all 10,000');
    const late = Array.from({ length: 21 }, (_, i) => log(i + 1, i === 20 ? 99.5 : 99));
    expect(full(late, { config: { ...DEFAULT_CONFIG, epochs: 25 } }).why).toBe('reached 99.4% only at epoch 21');
  });
  it('a kept record of the page passes the same checks', () => {
    expect(runError(run())).toBeNull();
  });
});
