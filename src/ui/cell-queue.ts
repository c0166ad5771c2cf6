// Run all's queue, for either section: the cells it will reach show 'queued' until it reaches
// them; when it ends early (Stop, a failed cell, a question) the ones it did not reach go back to
// idle with a message saying that they did not run, and why.
import type { CellStatus } from './nb-cell';

/** A section's cells: each one's run state and the message it shows. */
export interface CellStates<C extends string> {
  status: Partial<Record<C, CellStatus>>;
  messages: Partial<Record<C, string>>;
}

export const STOPPED = 'Stop cancelled Run all before it reached this cell.';
export const FAILED = 'Run all ended at an earlier cell that could not run (see its message).';

/** `cells` queued, their old messages cleared. */
export function queueCells<C extends string>(s: CellStates<C>, cells: readonly C[]): CellStates<C> {
  const status = { ...s.status };
  const messages = { ...s.messages };
  for (const c of cells) {
    status[c] = 'queued';
    messages[c] = '';
  }
  return { status, messages };
}

/** The queued ones of `cells` back to idle, each saying `why` it did not run; null when none is queued. */
export function cancelQueuedCells<C extends string>(s: CellStates<C>, cells: readonly C[], why: string): CellStates<C> | null {
  const left = cells.filter((c) => s.status[c] === 'queued');
  if (!left.length) return null;
  const status = { ...s.status };
  const messages = { ...s.messages };
  for (const c of left) {
    status[c] = 'idle';
    messages[c] = `Not run: ${why}`;
  }
  return { status, messages };
}
