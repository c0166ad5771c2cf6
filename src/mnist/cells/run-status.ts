// The run as it goes: one bar for the whole run (test passes included), what is happening now, an
// ETA for the rest of the run, GPU memory, and the table of finished epochs.
import { css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { fmt, fmtBytes, fmtInt, fmtSeconds } from '../../ui/format';
import type { Progress } from '../../train/trainer';
import '../targets';
import { SessionElement } from './base';

function describe(p: Progress, stopping: boolean): string {
  const now =
    p.phase === 'train'
      ? `epoch ${p.epoch} of ${p.epochs}: training, batch ${p.step}/${p.steps} · loss ${fmt(p.loss, 4)} · accuracy ${fmt(p.acc, 4)}% · ${fmtInt(p.imagesPerSec)} images/s`
      : `epoch ${p.epoch} of ${p.epochs}: testing, ${fmtInt(p.testDone)} of ${fmtInt(p.testTotal)} images`;
  const eta = p.runEtaSec === null ? 'estimating the time left' : `about ${fmtSeconds(p.runEtaSec)} left in the run`;
  return `${now} · ${stopping ? 'stopping…' : eta}`;
}

@customElement('mnist-run-status')
export class RunStatus extends SessionElement {
  static override styles = [...SessionElement.styles, css`progress { width: 100%; height: 14px; accent-color: var(--accent); } .wide { overflow-x: auto; }`];

  /** What is happening: the step in flight while training; after it, how the run ended (never a stale ETA). */
  private now() {
    const s = this.s;
    const p = s.progress;
    if (s.training && p) return describe(p, s.stopping);
    if (s.training) return 'starting…';
    const done = s.epochs.length;
    if (s.status.train === 'done' && !s.canContinue && done)
      return `finished: ${done} epoch${done === 1 ? '' : 's'}, test accuracy ${s.epochs[done - 1].testAcc.toFixed(2)}%`;
    if (s.status.train === 'done' && s.canContinue) return `stopped after ${done} finished epoch${done === 1 ? '' : 's'}; Continue picks up where it stopped`;
    if (s.status.train === 'error') return 'stopped: see the message above';
    if (s.saved && done) {
      const best = Math.max(...s.epochs.map((e) => e.testAcc));
      return `restored from this browser's storage: ${done} epoch${done === 1 ? '' : 's'} of ${s.saved.config.epochs}, test accuracy ${s.epochs[done - 1].testAcc.toFixed(2)}% (best ${best.toFixed(2)}%)`;
    }
    return html`<span class="muted">not started</span>`;
  }

  override render() {
    const s = this.s;
    const p = s.progress;
    // The whole run: finished epochs count in full; a finished run is 1.
    const restored = s.saved && !s.training ? s.saved.epoch / s.saved.config.epochs : null;
    const frac = s.status.train === 'done' && !s.canContinue ? 1 : (restored ?? p?.runFraction ?? 0);
    return html`<progress data-testid="mnist-progress" data-value=${frac.toFixed(4)} max="1" value=${frac}
        aria-label="training run progress" aria-valuetext=${`${(100 * frac).toFixed(0)}% of the run`}></progress>
      <div class="row" data-testid="mnist-progress-text" role="status" aria-live="polite">
        ${this.now()}
      </div>
      <div class="row muted">
        ${
          s.saved && !s.built
            ? html`<span data-testid="mnist-live-bytes" data-value="0">GPU buffers: none; the restored run's weights are in this browser's storage until a run starts</span>`
            : html`<span>GPU buffers: <span data-testid="mnist-live-bytes" data-value=${s.liveBytes}>${fmtBytes(s.liveBytes)}</span></span>`
        }
        ${s.built ? html`<span>pipelines compiled in ${fmtSeconds(s.built.warmUpMs / 1000)}</span>` : null}
        ${s.firstLoss !== null ? html`<span>first batch loss <span data-testid="mnist-first-loss" data-value=${s.firstLoss}>${fmt(s.firstLoss, 6)}</span></span>` : null}
        ${s.info ? html`<span>${s.info.adapter}</span>` : null}
      </div>
      ${
        s.epochs.length
          ? html`<div class="wide" tabindex="0" role="region" aria-label="finished epochs"><table data-testid="mnist-epoch-log">
            <tr><th>epoch</th><th>train loss</th><th>train acc</th><th>test loss</th><th>test acc</th><th>lr</th><th>seconds</th><th>images/s</th></tr>
            ${s.epochs.map(
              (e, i) => html`<tr data-testid="mnist-epoch-row" data-live-bytes=${s.epochBytes[i] ?? ''}><td>${e.epoch}</td><td>${fmt(e.trainLoss, 4)}</td>
                <td>${e.trainAcc.toFixed(2)}%</td><td>${fmt(e.testLoss, 4)}</td><td data-testid="mnist-test-acc-${e.epoch}" data-value=${e.testAcc}>${e.testAcc.toFixed(2)}%</td>
                <td>${fmt(e.lr, 3)}</td><td>${e.seconds.toFixed(1)}</td><td>${fmtInt(e.imagesPerSec)}</td></tr>`,
            )}
          </table></div>
          <mnist-targets .session=${this.session}></mnist-targets>`
          : null
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-run-status': RunStatus;
  }
}
