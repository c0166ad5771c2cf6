// The epoch slider of cells 8 and 9: "epoch 0 (initial) … N" over the finished epochs whose
// weights are kept, or why there are none. Moving it during a run shows a finished epoch from its
// own copy of the weights (the run is not touched, and the live refresh leaves that cell alone).
import { html } from 'lit';
import { EPOCH_BUDGET_BYTES } from '../runs/epoch-weights';
import { fmtBytes } from '../../ui/format';
import { epochsKept } from '../state';
import type { MnistSession } from '../session';

export const epochText = (e: number, n: number) => (e === 0 ? 'epoch 0 (initial)' : `epoch ${e} of ${n}`);

export function epochSlider(session: MnistSession, cell: 'inside' | 'weights') {
  const s = session.state;
  const n = epochsKept(s.epochRun);
  const id = `${cell}-epoch`;
  if (n < 0)
    return html`<p class="muted" data-testid="${id}-none">${
      s.epochRun?.note ||
      `No weights per epoch for this model: they are kept for runs trained in cell 5 on this page (up to ${fmtBytes(EPOCH_BUDGET_BYTES)}), not for imported weights.`
    }</p>`;
  const value = cell === 'inside' ? s.insideEpoch : s.weightsEpoch;
  const at = value ?? n;
  const pick = (e: Event) => void session.inside.showEpoch(cell, Number((e.target as HTMLInputElement).value));
  return html`<div class="row">
    <label style="flex-direction:row;align-items:center;gap:6px">weights at
      <input type="range" data-testid=${id} min="0" max=${n} step="1" .value=${String(at)} aria-valuetext=${epochText(at, n)} ?disabled=${!s.built} @change=${pick} /></label>
    <output data-testid="${id}-text" aria-live="polite">${value === null ? `current weights${s.training ? ' (training)' : ''}` : epochText(value, n)}</output>
    <button data-testid="${id}-current" ?disabled=${value === null || !s.built} @click=${() => session.inside.showEpoch(cell, null)}>Current weights</button>
    <span class="muted">${
      s.training
        ? 'finished epochs only; the run goes on, and this cell stays on the epoch picked'
        : `epoch 0 (initial) to ${n}, from the weights kept after each epoch`
    }</span>
  </div>`;
}
