// MNIST for the page: fetched from our own origin (public/data), gunzipped with DecompressionStream,
// verified, with progress reported as compressed bytes arrive.
import { assemble, DataError, PART_FILES, verifyPart, type Mnist, type MnistPart } from './mnist';

export interface LoadProgress {
  loaded: number;
  total: number;
  stage: 'download' | 'verify';
}

async function fetchPart(url: string, file: string, onBytes: (n: number) => void): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new DataError(`${file}: download failed (${(e as Error).message})`);
  }
  if (!res.ok || !res.body) throw new DataError(`${file}: the server answered ${res.status} ${res.statusText}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      onBytes(value.byteLength);
    }
  } catch (e) {
    throw new DataError(`${file}: download interrupted (${(e as Error).message})`);
  }
  const raw = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    raw.set(c, o);
    o += c.byteLength;
  }
  // A server or proxy may already have undone the gzip (Content-Encoding); the checksum decides.
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw;
  if (typeof DecompressionStream === 'undefined') throw new DataError('This browser has no DecompressionStream (Chrome 80+, Firefox 113+, Safari 16.4+)');
  try {
    const out = await new Response(new Blob([raw]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
    return new Uint8Array(out);
  } catch (e) {
    throw new DataError(`${file}: not a valid gzip file (${(e as Error).message}) — the file is corrupt or truncated`);
  }
}

export async function loadMnistBrowser(base = `${import.meta.env.BASE_URL}data/`, onProgress?: (p: LoadProgress) => void): Promise<Mnist> {
  let manifest: { files: Record<MnistPart, { path: string; gzipBytes: number }> };
  try {
    const r = await fetch(`${base}mnist.json`);
    if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
    manifest = await r.json();
  } catch (e) {
    throw new DataError(`${base}mnist.json could not be loaded (${(e as Error).message}); run 'npm install' to build the MNIST assets`);
  }
  const total = Object.values(manifest.files).reduce((s, f) => s + f.gzipBytes, 0);
  let loaded = 0;
  const parts = {} as Record<MnistPart, Uint8Array>;
  await Promise.all(
    (Object.keys(PART_FILES) as MnistPart[]).map(async (part) => {
      const file = manifest.files[part]?.path ?? PART_FILES[part];
      const bytes = await fetchPart(`${base}${file}`, file, (n) => {
        loaded = Math.min(total, loaded + n);
        onProgress?.({ loaded, total, stage: 'download' });
      });
      parts[part] = bytes;
    }),
  );
  onProgress?.({ loaded: total, total, stage: 'verify' });
  for (const part of Object.keys(PART_FILES) as MnistPart[]) await verifyPart(part, manifest.files[part].path, parts[part]);
  return assemble(parts);
}
