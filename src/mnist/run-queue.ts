// Run all's queue: the cells it will reach show 'queued' until it reaches them; when it ends
// early (Stop, a failed cell, the long-run question) the ones it did not reach go back to idle
// with a message saying that they did not run, and why.
import type { Cell, MnistState } from './state';

/** The cells Run all runs, in order (cells 8–11 follow the model they show). */
export const CHAIN: readonly Cell[] = ['transforms', 'dataset', 'loaders', 'model', 'train', 'plots', 'inspect'];

export const STOPPED = 'Stop cancelled Run all before it reached this cell.';
export const FAILED = 'Run all ended at an earlier cell that could not run (see its message).';
export const ASKED = 'Run all paused to ask about the long run (cell 5) before it reached this cell.';

export function queueAll(s: MnistState): Partial<MnistState> {
  const status = { ...s.status };
  const messages = { ...s.messages };
  for (const c of CHAIN) {
    status[c] = 'queued';
    messages[c] = '';
  }
  return { status, messages };
}

/** The queued cells back to idle, each saying `why` it did not run; null when none is queued. */
export function cancelQueued(s: MnistState, why: string): Partial<MnistState> | null {
  const left = CHAIN.filter((c) => s.status[c] === 'queued');
  if (!left.length) return null;
  const status = { ...s.status };
  const messages = { ...s.messages };
  for (const c of left) {
    status[c] = 'idle';
    messages[c] = `Not run: ${why}`;
  }
  return { status, messages };
}
