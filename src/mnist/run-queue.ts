// Run all's queue in the MNIST section: its chain of cells and the section's reasons for ending
// early (the queue itself is ui/cell-queue.ts, shared with the toy section).
import { cancelQueuedCells, FAILED, queueCells, STOPPED } from '../ui/cell-queue';
import type { Cell, MnistState } from './state';

export { FAILED, STOPPED };

/** The cells Run all runs, in order (cells 10–11 follow the model they show). */
export const CHAIN: readonly Cell[] = ['transforms', 'dataset', 'loaders', 'model', 'train', 'plots', 'inspect', 'inside', 'weights'];

/** Cell 5's message when Stop came before the first training step. */
export const STOPPED_BUILDING = 'Stopped while building the model; queued cells cancelled.';
export const ASKED = 'Run all paused to ask about the long run (cell 5) before it reached this cell.';

export const queueAll = (s: MnistState): Partial<MnistState> => queueCells(s, CHAIN);

/** The queued cells back to idle, each saying `why` it did not run; null when none is queued. */
export const cancelQueued = (s: MnistState, why: string): Partial<MnistState> | null => cancelQueuedCells(s, CHAIN, why);
