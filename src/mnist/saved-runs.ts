// Runs that outlive the page: the checkpoint in IndexedDB (restored with the spec and settings it
// was trained with, so the screen matches it), and weights files in and out.
import { readSafetensors } from '../engine/safetensors';
import { checkClassifier, parseSpec, readSpecText } from '../engine/spec';
import { summarize } from '../engine/summary';
import { clearRun, loadRun } from './checkpoints';
import { formFrom, specToText } from './form';
import type { MnistSession } from './session';

/** On load: show the last run as it was trained (fields, spec, charts), or why it cannot be used. */
export async function restoreSaved(session: MnistSession): Promise<void> {
  const { run, error } = await loadRun();
  if (error) session.set({ badSaved: error });
  const s = session.state;
  if (!run || s.epochs.length || s.training) return;
  // A link that sets fields keeps them; the banner then says what the run was trained with.
  const q = new URLSearchParams(location.search);
  const linked = [...q.keys()].some((k) => k in s.form || k === 'model');
  session.set({
    saved: run,
    ...(linked ? {} : { form: formFrom(run.config, run.trainLimit, run.testLimit), specText: specToText(run.spec) }),
    epochs: run.history,
    trainPoints: run.trainPoints,
    trainAccPoints: run.trainAccPoints,
    firstLoss: run.firstLoss,
  });
  // The cells it fills say where their numbers come from: a run restored, not one started here.
  session.setCell('train', 'restored');
  session.setCell('plots', 'restored');
}

/** One name for every export: the model's parameter count and the epoch its weights are from. */
export function weightsFileName(params: number, epoch: number): string {
  return `mnist-${params}p-epoch${epoch}.safetensors`;
}

/** Whether the fields and the spec show what `run` was trained with; else what it was trained with. */
export function savedDifference(session: MnistSession): string | null {
  const { saved: run, form, specText } = session.state;
  if (!run) return null;
  const same = JSON.stringify(formFrom(run.config, run.trainLimit, run.testLimit)) === JSON.stringify(form) && specToText(run.spec) === specText;
  if (same) return null;
  const c = run.config;
  const layers = Array.isArray(run.spec) ? run.spec.length : '?';
  return `${c.epochs} epochs, batch ${c.batch}, ${c.schedule.type} lr ${c.lr}, ${run.trainLimit ?? 'all'} training and ${run.testLimit ?? 'all'} test images, a ${layers}-layer spec`;
}

/** Continue an interrupted run from its checkpoint (after a reload or a crash). */
export async function continueSaved(session: MnistSession): Promise<void> {
  const s = session.state.saved;
  if (!s) return;
  session.set({ form: formFrom(s.config, s.trainLimit, s.testLimit), specText: specToText(s.spec) });
  await session.runTrain(false, s);
}

export async function discardSaved(session: MnistSession): Promise<void> {
  await clearRun();
  session.set({ saved: null, epochs: [], trainPoints: [], trainAccPoints: [] });
  if (session.state.status.train === 'restored') session.setCell('train', 'idle');
  if (session.state.status.plots === 'restored') session.setCell('plots', 'idle');
}

export async function discardBad(session: MnistSession): Promise<void> {
  await clearRun();
  session.set({ badSaved: '' });
}

function download(bytes: Uint8Array, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Download a .safetensors file: the model in the worker or, for a run restored from IndexedDB, the weights it saved. */
export async function downloadWeights(session: MnistSession): Promise<void> {
  const s = session.state;
  session.set({ weightsError: '' });
  try {
    if (!s.built && s.saved) return download(s.saved.weights, weightsFileName(summarize(s.saved.spec, [1, 28, 28]).totalParams, s.saved.epoch));
    const bytes = await session.worker().call({ type: 'export' });
    download(bytes, weightsFileName(s.built!.params, s.epochs.length));
  } catch (e) {
    session.set({ weightsError: (e as Error).message });
  }
}

/** Open a .safetensors file (ours or PyTorch's) the user picked into a new model; on any problem the current one stays. */
export async function openWeightsFile(session: MnistSession, file: File): Promise<void> {
  session.set({ weightsError: '', imported: null });
  const c = session.state.parsed;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const parsed = readSafetensors(bytes, file.name); // corrupt or truncated files stop here
    let spec = session.state.spec.value;
    let specText = session.state.specText;
    if (parsed.metadata.model) {
      // Bounded before parsing: a file's metadata can hold anything.
      spec = readSpecText(parsed.metadata.model, `${file.name}: the model spec in its metadata`);
      checkClassifier(parseSpec(spec, [1, 28, 28]), 10);
      specText = specToText(spec);
    }
    if (!c.config || !spec) throw new Error('Fix the marked fields first.');
    await session.ensureData();
    const r = await session
      .worker()
      .call({ type: 'import', bytes, file: file.name, spec, config: c.config, trainLimit: c.trainLimit, testLimit: c.testLimit }, [bytes.buffer]);
    session.set({
      specText,
      imported: r,
      liveBytes: r.liveBytes,
      canContinue: true,
      epochs: [],
      trainPoints: [],
      trainAccPoints: [],
      inspection: null,
      saved: null,
      // A weights file has no epochs to scrub (a kept run loaded from the table brings its own).
      epochRun: null,
      insideEpoch: null,
      weightsEpoch: null,
    });
    session.set({ built: { params: r.params, warmUpMs: 0, liveBytes: r.liveBytes, stepsPerEpoch: 0, lastBatch: 0 }, builtFor: session.key() });
    void clearRun();
  } catch (err) {
    session.set({ weightsError: (err as Error).message });
  }
}
