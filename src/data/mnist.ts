// MNIST as the notebook and the trainer use it: raw uint8 images (28×28, row-major) and labels,
// checked against the SHA-256 of the original files' contents after decompression.

export interface MnistSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface Mnist {
  train: MnistSplit;
  test: MnistSplit;
}

export const IMAGE_SIZE = 28 * 28;

export type MnistPart = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

/** What the decompressed contents must be (the original LeCun files minus their idx headers). */
export const MNIST_PARTS: Record<MnistPart, { bytes: number; sha256: string }> = {
  'train-images': { bytes: 60000 * IMAGE_SIZE, sha256: '741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757' },
  'train-labels': { bytes: 60000, sha256: '1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13' },
  'test-images': { bytes: 10000 * IMAGE_SIZE, sha256: '6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161' },
  'test-labels': { bytes: 10000, sha256: 'ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5' },
};

export class DataError extends Error {
  override name = 'DataError';
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Throws a DataError naming the file when size, checksum or label range is off. */
export async function verifyPart(part: MnistPart, file: string, bytes: Uint8Array): Promise<void> {
  const want = MNIST_PARTS[part];
  if (bytes.length !== want.bytes)
    throw new DataError(`${file}: ${bytes.length} bytes after decompression, expected ${want.bytes} — the file is truncated or not MNIST`);
  const got = await sha256(bytes);
  if (got !== want.sha256)
    throw new DataError(`${file}: SHA-256 ${got.slice(0, 12)}… does not match MNIST's ${want.sha256.slice(0, 12)}… — the file is corrupt`);
}

export function assemble(parts: Record<MnistPart, Uint8Array>): Mnist {
  return {
    train: { images: parts['train-images'], labels: parts['train-labels'], count: parts['train-labels'].length },
    test: { images: parts['test-images'], labels: parts['test-labels'], count: parts['test-labels'].length },
  };
}

/** The first `limit` samples of a split (tiny runs for tests and links). */
export function limitSplit(s: MnistSplit, limit?: number): MnistSplit {
  if (!limit || limit >= s.count) return s;
  return { images: s.images.subarray(0, limit * IMAGE_SIZE), labels: s.labels.subarray(0, limit), count: limit };
}

export function classCounts(labels: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const l of labels) c[l]++;
  return c;
}

/**
 * The first `perClass` images of each digit in split order, digit 0's first: the dataset cell's
 * grid. Refuses a split that has fewer than `perClass` of some digit rather than leave blanks.
 */
export function classSamples(s: MnistSplit, perClass: number): Uint8Array {
  if (!(Number.isInteger(perClass) && perClass >= 1)) throw new DataError(`samples per class must be a whole number ≥ 1, got ${perClass}`);
  const images = new Uint8Array(10 * perClass * IMAGE_SIZE);
  const seen = new Array<number>(10).fill(0);
  for (let i = 0; i < s.count && seen.some((n) => n < perClass); i++) {
    const c = s.labels[i];
    if (c > 9) throw new DataError(`label ${c} of image ${i} is not a digit 0–9`);
    if (seen[c] >= perClass) continue;
    images.set(s.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), (c * perClass + seen[c]) * IMAGE_SIZE);
    seen[c]++;
  }
  const short = seen.findIndex((n) => n < perClass);
  if (short >= 0) throw new DataError(`the split has ${seen[short]} images of digit ${short}, fewer than the ${perClass} per class asked for`);
  return images;
}

export const PART_FILES: Record<MnistPart, string> = {
  'train-images': 'mnist-train-images.gz.bin',
  'train-labels': 'mnist-train-labels.gz.bin',
  'test-images': 'mnist-test-images.gz.bin',
  'test-labels': 'mnist-test-labels.gz.bin',
};
