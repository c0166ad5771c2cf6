// The runs table's state and actions: keeps every finished or stopped run of the MNIST section
// (spec, configuration, adapter, history, weights), renames, deletes, loads one back into the
// notebook, and moves runs in and out of a JSON file. Its elements re-render on subscribe().
import { formFrom, specToText } from '../form';
import { epochsKept } from '../state';
import { openWeightsFile } from '../saved-runs';
import type { MnistSession } from '../session';
import { NAME_MAX, runError, type RunRecord } from './run-record';
import { deleteRun, listRuns, putRuns, QuotaRefusal, renameRun, storageUse, type StorageUse } from './run-store';
import { RUNS_FILE_MAX, runsFromJson, runsToJson } from './runs-file';

const newId = () => `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

export class RunsKeeper {
  runs: RunRecord[] = [];
  bad: { id: string; error: string }[] = [];
  /** The last refusal or failure (quota, a bad file), shown until the next action. */
  error = '';
  /** What the last action did, in words. */
  note = '';
  storage: StorageUse | null = null;
  /** The runs drawn in the overlay (2 to 4). */
  picked: string[] = [];
  private listeners = new Set<() => void>();
  /** The record the model now in the worker belongs to: Continue updates it instead of adding one. */
  private current: { built: unknown; id: string; name: string; init?: string } | null = null;

  constructor(private session: MnistSession) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  async refresh(): Promise<void> {
    try {
      const { runs, bad } = await listRuns();
      this.runs = runs.sort((a, b) => a.savedAt - b.savedAt);
      this.bad = bad;
    } catch (e) {
      this.error = `The kept runs could not be read (${(e as Error).message}).`;
    }
    this.picked = this.picked.filter((id) => this.runs.some((r) => r.id === id));
    this.storage = await storageUse();
    this.changed();
  }

  /** After a run ends (all epochs, or stopped after at least one): keep it, with its final weights. */
  async keep(ended: 'done' | 'stopped', atEpochEnd: boolean): Promise<void> {
    const s = this.session.state;
    if (!s.epochs.length || !s.built || !s.parsed.config) return;
    const same = this.current?.built === s.built ? this.current : null;
    const id = same?.id ?? newId();
    const name = same?.name ?? `run ${this.runs.length + 1}`;
    this.error = '';
    try {
      const weights = await this.session.worker().call({ type: 'export' });
      const init = s.built.init?.hash ?? same?.init;
      const r: RunRecord = {
        id,
        name,
        savedAt: Date.now(),
        ended,
        spec: s.spec.value,
        params: s.built.params,
        config: s.parsed.config,
        ...(s.parsed.trainLimit !== undefined ? { trainLimit: s.parsed.trainLimit } : {}),
        ...(s.parsed.testLimit !== undefined ? { testLimit: s.parsed.testLimit } : {}),
        adapter: s.info?.adapter ?? 'unknown',
        history: s.epochs,
        seconds: s.epochs.reduce((t, e) => t + e.seconds, 0),
        imagesPerSec: s.epochs.reduce((t, e) => t + e.imagesPerSec, 0) / s.epochs.length,
        weights,
        ...(init ? { init } : {}),
        ...this.perEpoch(weights, atEpochEnd),
      };
      const bad = runError(r);
      if (bad) throw new Error(`this run cannot be kept: ${bad}`);
      await putRuns([r], `this run (${name})`);
      this.current = { built: s.built, id, name, init };
      this.note = `Kept ${name}.`;
    } catch (e) {
      this.error = (e as Error).message;
    }
    await this.refresh();
  }

  /**
   * The run's weights per epoch, 0 to the last in its history, or the note saying why there are
   * none. The last epoch's checkpoint may still be on its way: a run that ended on an epoch's
   * end has exactly those weights in `final`.
   */
  private perEpoch(final: Uint8Array, atEpochEnd: boolean): Pick<RunRecord, 'epochWeights' | 'epochNote'> {
    const s = this.session.state;
    const er = s.epochRun;
    const n = s.epochs.length;
    if (!er || er.note) return { epochNote: er?.note || 'Weights per epoch were not kept: this model was not trained from epoch 0 on this page.' };
    const w = er.weights.slice(0, n + 1);
    if (!w[n] && atEpochEnd && epochsKept(er) === n - 1) w[n] = final;
    if (w.length !== n + 1 || w.some((x) => !x)) return { epochNote: `Weights per epoch were not kept: ${w.filter(Boolean).length} of the ${n + 1} sets arrived.` };
    return { epochWeights: w };
  }

  async rename(id: string, name: string): Promise<void> {
    const n = name.trim();
    this.error = '';
    this.note = '';
    if (!n || n.length > NAME_MAX) this.error = `A run's name is 1 to ${NAME_MAX} characters.`;
    else {
      await renameRun(id, n);
      if (this.current?.id === id) this.current.name = n;
    }
    await this.refresh();
  }

  async remove(id: string): Promise<void> {
    const r = this.runs.find((x) => x.id === id);
    await deleteRun(id);
    this.error = '';
    this.note = r ? `Deleted ${r.name}.` : '';
    if (this.current?.id === id) this.current = null;
    await this.refresh();
  }

  pick(id: string, on: boolean): void {
    this.picked = on ? [...this.picked.filter((x) => x !== id), id].slice(0, 4) : this.picked.filter((x) => x !== id);
    this.changed();
  }

  /** The run's fields, spec and weights into the notebook (its test accuracy is measured again). */
  async load(id: string): Promise<void> {
    const r = this.runs.find((x) => x.id === id);
    if (!r) return;
    const session = this.session;
    session.set({ form: formFrom(r.config, r.trainLimit, r.testLimit), specText: specToText(r.spec) });
    await openWeightsFile(session, new File([r.weights as Uint8Array<ArrayBuffer>], `${r.name}.safetensors`));
    if (session.state.weightsError) this.error = `${r.name} could not be loaded: ${session.state.weightsError}`;
    else {
      session.set({
        epochs: r.history,
        epochRun: { spec: r.spec, weights: r.epochWeights ?? [], note: r.epochNote ?? '' },
        insideEpoch: null,
        weightsEpoch: null,
      });
      this.current = { built: session.state.built, id: r.id, name: r.name, init: r.init };
      // Cells 8 and 9 show the loaded weights, not the ones before.
      if (session.state.inside) await session.inside.showEpoch('inside', null);
      if (session.state.weights) await session.inside.showEpoch('weights', null);
      this.note = `Loaded ${r.name}: fields, spec and weights; Continue trains it further.`;
    }
    this.changed();
  }

  exportText(): string {
    return runsToJson(this.runs);
  }

  /** Every run of the file or none: refused naming the field; the kept runs stay as they were. */
  async importFile(file: File): Promise<void> {
    this.error = '';
    this.note = '';
    try {
      if (file.size > RUNS_FILE_MAX) throw new Error(`${file.name}: ${file.size} bytes; a runs file may have at most ${RUNS_FILE_MAX}`);
      const runs = runsFromJson(await file.text(), file.name);
      // Imported runs get new ids: a run kept here is never overwritten by one from a file.
      const fresh = runs.map((r) => ({ ...r, id: newId() }));
      await putRuns(fresh, `${file.name} (${runs.length} run${runs.length === 1 ? '' : 's'})`);
      this.note = `Imported ${runs.length} run${runs.length === 1 ? '' : 's'} from ${file.name}.`;
    } catch (e) {
      this.error = e instanceof QuotaRefusal ? e.message : `Not imported: ${(e as Error).message}`;
    }
    await this.refresh();
  }
}
