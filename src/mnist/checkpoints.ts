// The last training checkpoint, kept in IndexedDB so a reload or a crash loses at most one epoch.
import { del, get, set } from 'idb-keyval';
import type { Checkpoint } from './protocol';

const KEY = 'mnist-checkpoint';

/** A checkpoint plus what the page needs to redraw its charts. */
export interface SavedRun extends Checkpoint {
  trainPoints: { x: number; y: number }[];
  trainAccPoints: { x: number; y: number }[];
  firstLoss: number | null;
}

export async function saveRun(run: SavedRun): Promise<void> {
  await set(KEY, run);
}

export async function loadRun(): Promise<SavedRun | null> {
  try {
    return ((await get(KEY)) as SavedRun | undefined) ?? null;
  } catch {
    return null; // IndexedDB unavailable (private mode): nothing to resume
  }
}

export async function clearRun(): Promise<void> {
  try {
    await del(KEY);
  } catch {
    /* nothing stored */
  }
}
