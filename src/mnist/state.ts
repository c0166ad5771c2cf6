// The MNIST section's state: everything its cells show, as one immutable object a session
// replaces on every change, and the controller that re-renders an element when it does.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { DynamicsSample } from '../train/dynamics';
import type { EpochLog, Progress } from '../train/trainer';
import type { CellStatus } from '../ui/nb-cell';
import type { SavedRun } from './checkpoints';
import { DEFAULT_SPEC_TEXT, initialForm, parseForm, parseSpecText, type Form, type ParsedForm, type ParsedSpec } from './form';
import type { Built, DataInfo, Imported, Inside, Inspection, Preview, Samples } from './protocol';

export const CELLS = ['transforms', 'dataset', 'loaders', 'model', 'train', 'plots', 'inspect', 'inside', 'weights'] as const;
export type Cell = (typeof CELLS)[number];
type Point = { x: number; y: number };

/** Above this, a run started by "Run all" stops after its first estimate and asks (seconds). */
export const LONG_RUN_SEC = 300;

export interface MnistState {
  form: Form;
  specText: string;
  /** Derived from form and specText whenever they change. */
  parsed: ParsedForm;
  spec: ParsedSpec;
  status: Partial<Record<Cell, CellStatus>>;
  messages: Partial<Record<Cell, string>>;
  noGpu: string;
  info: DataInfo | null;
  loading: { loaded: number; total: number; stage: string } | null;
  preview: Preview | null;
  samples: Samples | null;
  built: Built | null;
  /** What `built` was built from (see key()); Continue needs it unchanged. */
  builtFor: string;
  progress: Progress | null;
  epochs: EpochLog[];
  /** Live GPU bytes at the end of each epoch of this page's runs. */
  epochBytes: number[];
  liveBytes: number;
  firstLoss: number | null;
  trainPoints: Point[];
  trainAccPoints: Point[];
  training: boolean;
  /** Stop was pressed and the worker has not returned yet. */
  stopping: boolean;
  canContinue: boolean;
  inspection: Inspection | null;
  probs: number[] | null;
  saved: SavedRun | null;
  badSaved: string;
  recovered: string;
  imported: Imported | null;
  weightsError: string;
  /** What Run all did instead of what the fields say (a short run on a software adapter). */
  notice: string;
  /** Run all stopped a run estimated to take longer than LONG_RUN_SEC, and asks. */
  longRun: { etaSec: number } | null;
  /** The digit looked inside (cells 8 and 10), the test index typed, and why it could not be shown. */
  inside: Inside | null;
  insidePick: string;
  insideError: string;
  /** The model's parameters at the last refresh and the one before (cell 9 shows the change). */
  weights: WeightsSnapshot | null;
  prevWeights: WeightsSnapshot | null;
  /** Training dynamics samples of this page's run (cell 10), oldest first, thinned past MAX_SAMPLES. */
  dynamics: DynamicsSample[];
  /**
   * The weights after each finished epoch of the run in the worker ([0]: the initial ones) and
   * its spec, for the epoch sliders; `note` says why none are kept (the budget), when none are.
   */
  epochRun: EpochRun | null;
  /** The epoch cells 8 and 9 show (null: the model's current weights). */
  insideEpoch: number | null;
  weightsEpoch: number | null;
  /** The kept run whose initial weights and seed the next run starts from, or null. */
  replay: string | null;
  /** A cell to bring into view once (Run all reaching training, a digit opened in cell 8); seq tells one request from the next. */
  reveal: { cell: number; seq: number } | null;
}

export const MAX_SAMPLES = 1000;

export interface WeightsSnapshot {
  state: Record<string, { shape: number[]; data: Float32Array }>;
  step: number;
  /** The finished epoch they are from, when picked on the slider. */
  epoch?: number;
}

export interface EpochRun {
  spec: unknown;
  weights: Uint8Array[];
  note: string;
}

/** How many epochs after 0 have their weights kept, in order (-1: none, not even the initial ones). */
export function epochsKept(r: EpochRun | null): number {
  if (!r) return -1;
  let n = 0;
  while (r.weights[n]) n++;
  return n - 1;
}

export function initialState(): MnistState {
  const q = new URLSearchParams(location.search);
  const form = initialForm(q);
  const specText = q.get('model') ?? DEFAULT_SPEC_TEXT;
  return {
    form,
    specText,
    parsed: parseForm(form),
    spec: parseSpecText(specText),
    status: {},
    messages: {},
    noGpu: '',
    info: null,
    loading: null,
    preview: null,
    samples: null,
    built: null,
    builtFor: '',
    progress: null,
    epochs: [],
    epochBytes: [],
    liveBytes: 0,
    firstLoss: null,
    trainPoints: [],
    trainAccPoints: [],
    training: false,
    stopping: false,
    canContinue: false,
    inspection: null,
    probs: null,
    saved: null,
    badSaved: '',
    recovered: '',
    imported: null,
    weightsError: '',
    notice: '',
    longRun: null,
    inside: null,
    insidePick: q.get('image') ?? '0',
    insideError: '',
    weights: null,
    prevWeights: null,
    dynamics: [],
    epochRun: null,
    insideEpoch: null,
    weightsEpoch: null,
    replay: null,
    reveal: null,
  };
}

/** Re-renders its host whenever the attached session changes, while the host is connected. */
export class SessionController implements ReactiveController {
  private session: { subscribe(fn: () => void): () => void } | null = null;
  private off: (() => void) | null = null;
  private connected = false;

  constructor(private host: ReactiveControllerHost) {
    host.addController(this);
  }

  attach(session: { subscribe(fn: () => void): () => void }): void {
    if (session === this.session) return;
    this.off?.();
    this.off = null;
    this.session = session;
    if (this.connected) this.listen();
  }

  private listen(): void {
    this.off = this.session?.subscribe(() => this.host.requestUpdate()) ?? null;
  }

  hostConnected(): void {
    this.connected = true;
    if (!this.off) this.listen();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.off?.();
    this.off = null;
  }
}
