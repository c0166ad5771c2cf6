// The .safetensors format (https://huggingface.co/docs/safetensors): 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}}, then the bytes.
// We write float32 tensors under PyTorch state_dict names, BatchNorm's num_batches_tracked as I64,
// and the model spec as JSON under the metadata key "model".

export interface NamedTensor {
  shape: readonly number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Record<string, NamedTensor>;
  /** Integer tensors (num_batches_tracked), as numbers. */
  ints: Record<string, number[]>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export function writeSafetensors(tensors: Record<string, NamedTensor>, ints: Record<string, number> = {}, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  for (const [name, v] of Object.entries(ints)) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
    header[name] = { dtype: 'I64', shape: [], data_offsets: [offset, offset + 8] };
    parts.push(b);
    offset += 8;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference implementation does.
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

/** The reference implementation's bound on the header (100 MB); ours is far smaller than that. */
export const MAX_HEADER = 100_000_000;

/**
 * The names of the top-level keys of a JSON object text, in order, duplicates kept (JSON.parse
 * silently keeps the last of two equal names; the format requires names to be unique).
 */
export function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k])) k++;
        if (text[k] === ':') keys.push(JSON.parse(text.slice(i, j + 1)) as string);
      }
      i = j;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return keys;
}

/**
 * Parse and check a .safetensors file; every problem names the tensor and says why. What the
 * format requires is enforced as its reference implementation does: unique names, data offsets
 * that tile the data section exactly (in order, no gap, no overlap, nothing past its end).
 */
export function readSafetensors(buf: ArrayBuffer | Uint8Array, file = 'the file'): SafetensorsFile {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.length < 8) throw new SafetensorsError(`${file} is truncated: ${bytes.length} bytes, not even the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > bytes.length - 8)
    throw new SafetensorsError(`${file} is truncated or not a safetensors file: header length ${n} exceeds the ${bytes.length - 8} bytes that follow`);
  if (n > MAX_HEADER) throw new SafetensorsError(`${file}: header of ${n} bytes; at most ${MAX_HEADER} are allowed`);
  let header: Record<string, unknown>;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(`${file} is corrupt: its header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${file} is corrupt: the header is not a JSON object`);
  const names = topLevelKeys(text);
  const dup = names.find((k, i) => names.indexOf(k) !== i);
  if (dup !== undefined) throw new SafetensorsError(`${file}: the header names ${JSON.stringify(dup)} twice; tensor names must be unique`);
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const out: SafetensorsFile = { tensors: {}, ints: {}, metadata: {} };
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (entry === null) continue;
      if (typeof entry !== 'object' || Array.isArray(entry) || !Object.values(entry as object).every((v) => typeof v === 'string'))
        throw new SafetensorsError(`${file}: __metadata__ must map names to strings`);
      out.metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new SafetensorsError(`${name}: header entry is not an object`);
    const dtype = String(e.dtype);
    if (!(dtype in DTYPE_BYTES)) throw new SafetensorsError(`${name}: unknown dtype ${JSON.stringify(e.dtype)}`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0))
      throw new SafetensorsError(`${name}: shape ${JSON.stringify(e.shape)} is not a list of sizes`);
    const shape = e.shape as number[];
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0) || offs[1] < offs[0])
      throw new SafetensorsError(`${name}: data_offsets ${JSON.stringify(offs)} are not [begin, end]`);
    const count = shape.reduce((a, b) => a * b, 1);
    const need = count * DTYPE_BYTES[dtype];
    if (offs[1] - offs[0] !== need)
      throw new SafetensorsError(`${name}: ${offs[1] - offs[0]} bytes of data for shape [${shape.join(', ')}] of ${dtype}, which needs ${need}`);
    if (offs[1] > dataLen)
      throw new SafetensorsError(`${name}: its data ends at byte ${offs[1]} but the file has only ${dataLen} bytes of data — the file is truncated`);
    spans.push({ name, begin: offs[0], end: offs[1] });
    const at = dataStart + offs[0];
    if (dtype === 'F32') {
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(at, at + need));
      out.tensors[name] = { shape, data };
    } else if (dtype === 'I64' && name.endsWith('num_batches_tracked')) {
      const v = Array.from({ length: count }, (_, i) => dv.getBigInt64(at + 8 * i, true));
      if (v.some((x) => x < 0n)) throw new SafetensorsError(`${name}: ${v.find((x) => x < 0n)} is negative; a count of batches is ≥ 0`);
      out.ints[name] = v.map(Number);
    } else {
      throw new SafetensorsError(`${name}: dtype ${dtype}, but the engine trains in float32 (save with model.float())`);
    }
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const sp of spans) {
    if (sp.begin < at) throw new SafetensorsError(`${sp.name}: its data [${sp.begin}, ${sp.end}) overlaps the previous tensor's, which ends at ${at}`);
    if (sp.begin > at)
      throw new SafetensorsError(`${sp.name}: its data starts at ${sp.begin}, leaving bytes ${at}–${sp.begin} unused; offsets must tile the data section`);
    at = sp.end;
  }
  if (at !== dataLen) throw new SafetensorsError(`${file}: ${dataLen - at} bytes after the last tensor's data; offsets must cover the data section exactly`);
  return out;
}
