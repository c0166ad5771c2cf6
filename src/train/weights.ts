// Model weights to and from .safetensors: float32 under PyTorch state_dict names, BatchNorm
// running statistics and num_batches_tracked included, the model spec under metadata "model".
import type { Model, StateDict } from '../engine/model';
import { readSafetensors, SafetensorsError, writeSafetensors } from '../engine/safetensors';

/** The model's weights now, as .safetensors bytes (reads them back from the GPU). */
export async function encodeWeights(model: Model): Promise<Uint8Array> {
  return encodeSnapshot(model, await model.snapshot());
}

/** The .safetensors bytes of a snapshot taken earlier (Model.snapshot), with extra metadata. */
export function encodeSnapshot(model: Model, snap: Awaited<ReturnType<Model['snapshot']>>, metadata: Record<string, string> = {}): Uint8Array {
  const ints: Record<string, number> = {};
  for (const l of model.infos) if (l.type === 'BatchNorm2d') ints[`${l.index}.num_batches_tracked`] = snap.batchesTracked;
  return writeSafetensors(snap.state, ints, { ...metadata, model: JSON.stringify(model.spec), format: 'pt' });
}

/**
 * Load a .safetensors file into the model. Every problem (corrupt, truncated, wrong dtype, names
 * or shapes that do not match) throws with a message naming the tensor; the model is untouched.
 */
export function loadWeights(model: Model, bytes: Uint8Array | ArrayBuffer, file = 'the file'): void {
  const f = readSafetensors(bytes, file);
  const state: StateDict = { ...f.tensors };
  for (const [k, v] of Object.entries(f.ints)) state[k] = { shape: [], data: v };
  const problems = model.checkState(state);
  if (problems.length) throw new SafetensorsError(`${file} does not fit the model:\n${problems.join('\n')}`);
  model.setState(state);
}
