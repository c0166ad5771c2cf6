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

export function writeSafetensors(
  tensors: Record<string, NamedTensor>,
  ints: Record<string, number> = {},
  metadata: Record<string, string> = {},
): Uint8Array {
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

/** Parse and check a .safetensors file; every problem names the tensor and says why. */
export function readSafetensors(buf: ArrayBuffer | Uint8Array, file = 'the file'): SafetensorsFile {
  const bytes = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (bytes.length < 8) throw new SafetensorsError(`${file} is truncated: ${bytes.length} bytes, not even the 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > bytes.length - 8) throw new SafetensorsError(`${file} is truncated or not a safetensors file: header length ${n} exceeds the ${bytes.length - 8} bytes that follow`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new SafetensorsError(`${file} is corrupt: its header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${file} is corrupt: the header is not a JSON object`);
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const out: SafetensorsFile = { tensors: {}, ints: {}, metadata: {} };
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      out.metadata = (entry ?? {}) as Record<string, string>;
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
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0) || offs[1] < offs[0])
      throw new SafetensorsError(`${name}: data_offsets ${JSON.stringify(offs)} are not [begin, end]`);
    const count = shape.reduce((a, b) => a * b, 1);
    const need = count * DTYPE_BYTES[dtype];
    if (offs[1] - offs[0] !== need)
      throw new SafetensorsError(`${name}: ${offs[1] - offs[0]} bytes of data for shape [${shape.join(', ')}] of ${dtype}, which needs ${need}`);
    if (offs[1] > dataLen) throw new SafetensorsError(`${name}: its data ends at byte ${offs[1]} but the file has only ${dataLen} bytes of data — the file is truncated`);
    const at = dataStart + offs[0];
    if (dtype === 'F32') {
      const data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(at, at + need));
      out.tensors[name] = { shape, data };
    } else if (dtype === 'I64' && name.endsWith('num_batches_tracked')) {
      out.ints[name] = Array.from({ length: count }, (_, i) => Number(dv.getBigInt64(at + 8 * i, true)));
    } else {
      throw new SafetensorsError(`${name}: dtype ${dtype}, but the engine trains in float32 (save with model.float())`);
    }
  }
  return out;
}
