// The dataset cell's grid (classSamples): the first images of each digit in split order, and
// its refusals. Expected picks are worked out by hand from the labels below.
import { describe, expect, it } from 'vitest';
import { classSamples, IMAGE_SIZE, type MnistSplit } from '../src/data/mnist';

/** Image i's pixel p is (7i + p) mod 256, so a wrong image or a shifted copy shows. */
function pixels(i: number): Uint8Array {
  return Uint8Array.from({ length: IMAGE_SIZE }, (_, p) => (7 * i + p) % 256);
}

function split(labels: number[]): MnistSplit {
  const images = new Uint8Array(labels.length * IMAGE_SIZE);
  labels.forEach((_, i) => images.set(pixels(i), i * IMAGE_SIZE));
  return { images, labels: Uint8Array.from(labels), count: labels.length };
}

// Digit 3 three times first, then 0–9 up, then 9–0 down (no 3 there).
const LABELS = [3, 3, 3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 2, 1, 0];

describe('classSamples', () => {
  it('takes the first perClass images of each digit, digit 0 first', () => {
    // Indices into LABELS, two per digit 0..9.
    const picks = [3, 20, 4, 19, 5, 18, 0, 1, 6, 17, 7, 16, 8, 15, 9, 14, 10, 13, 11, 12];
    const got = classSamples(split(LABELS), 2);
    expect(got.length).toBe(20 * IMAGE_SIZE);
    picks.forEach((i, slot) => expect(got.subarray(slot * IMAGE_SIZE, (slot + 1) * IMAGE_SIZE)).toEqual(pixels(i)));
  });

  it('one per class: the first of each digit', () => {
    const picks = [3, 4, 5, 0, 6, 7, 8, 9, 10, 11];
    const got = classSamples(split(LABELS), 1);
    picks.forEach((i, slot) => expect(got.subarray(slot * IMAGE_SIZE, (slot + 1) * IMAGE_SIZE)).toEqual(pixels(i)));
  });

  it('refuses a split with too few of a digit, naming it', () => {
    expect(() => classSamples(split(LABELS), 3)).toThrow('the split has 2 images of digit 0, fewer than the 3 per class asked for');
    expect(() => classSamples(split([0, 1, 2, 3, 4, 5, 6, 8, 9]), 1)).toThrow('the split has 0 images of digit 7, fewer than the 1 per class asked for');
  });

  it('refuses a label that is not a digit, and a count that is not a whole number ≥ 1', () => {
    expect(() => classSamples(split([0, 12]), 1)).toThrow('label 12 of image 1 is not a digit 0–9');
    for (const n of [0, -1, 1.5, NaN]) expect(() => classSamples(split(LABELS), n)).toThrow(`samples per class must be a whole number ≥ 1, got ${n}`);
  });
});
