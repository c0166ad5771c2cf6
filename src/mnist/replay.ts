// "Replay from the same initial weights": the next run starts from a kept run's initial weights
// (made again from its spec and seed, in the worker) and its data order (the seed, set in the
// fields so they show it). Refused, naming the tensor and both shapes, when they do not fit.
import { replayMismatch } from './runs/epoch-weights';
import type { MnistSession } from './session';

/** What the worker starts from, or why not (a message), or null when the spec is itself broken (the caller says so). */
export function replayFrom(session: MnistSession): { spec: unknown; seed: number } | string | null {
  const s = session.state;
  const r = session.runs.runs.find((x) => x.id === s.replay);
  if (!r) return 'Replay refused: the run picked to replay is no longer kept; pick another beside "Replay from the same initial weights".';
  if (s.spec.error) return null;
  const bad = replayMismatch(r.spec, s.spec.value, r.name);
  if (bad) return `Replay refused: ${bad}`;
  if (s.form.seed !== String(r.config.seed)) session.setForm('seed', String(r.config.seed));
  return { spec: r.spec, seed: r.config.seed };
}
