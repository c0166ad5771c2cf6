// The confusion matrix, accuracy and misclassified list from test outputs, on six images of three
// classes whose predictions are worked out by hand (one a tie, which goes to the lower class).
import { describe, expect, it } from 'vitest';
import { confusion } from '../src/train/confusion';

const PROBS = [
  [0.7, 0.2, 0.1], // label 0 → 0, right
  [0.5, 0.3, 0.2], // label 1 → 0, wrong
  [0.1, 0.3, 0.6], // label 2 → 2, right
  [0.2, 0.6, 0.2], // label 2 → 1, wrong
  [0.4, 0.4, 0.2], // label 1 → 0 (tie), wrong
  [0.1, 0.8, 0.1], // label 1 → 1, right
];
const LABELS = Uint8Array.from([0, 1, 2, 2, 1, 1]);
const logProbs = Float32Array.from(PROBS.flat().map(Math.log));

describe('confusion', () => {
  it('counts matrix[label][prediction], the accuracy and the first wrong images', () => {
    const c = confusion(logProbs, LABELS, 3, 10);
    expect(c.matrix).toEqual([
      [1, 0, 0],
      [2, 1, 0],
      [0, 1, 1],
    ]);
    expect(c.accuracy).toBe(50);
    expect(c.wrong.map(({ index, label, pred }) => [index, label, pred])).toEqual([
      [1, 1, 0],
      [3, 2, 1],
      [4, 1, 0],
    ]);
    // The probability of the wrong prediction, back from its float32 log.
    c.wrong.forEach((w, k) => expect(w.prob).toBeCloseTo([0.5, 0.6, 0.4][k], 6));
  });

  it('keeps only the first maxWrong misclassified images; the matrix still counts them all', () => {
    const c = confusion(logProbs, LABELS, 3, 2);
    expect(c.wrong.map((w) => w.index)).toEqual([1, 3]);
    expect(confusion(logProbs, LABELS, 3, 0).wrong).toEqual([]);
    expect(c.matrix.flat().reduce((a, b) => a + b)).toBe(6);
  });

  it('refuses outputs that do not match the labels, and a label with no output', () => {
    expect(() => confusion(logProbs.subarray(1), LABELS, 3, 10)).toThrow('confusion matrix: 17 outputs for 6 test images × 3 classes (18 expected)');
    expect(() => confusion(logProbs, Uint8Array.from([0, 1, 2, 2, 1, 3]), 3, 10)).toThrow(
      'confusion matrix: label 3 of test image 5 has no output (the model has 3)',
    );
  });
});
