// The assignment's targets (ERA S6): under 20,000 parameters, at most 20 epochs, 99.4% test
// accuracy; each against what the model spec, the fields and the finished epochs say, met or not.
import { css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { fmtInt } from '../ui/format';
import { SessionElement } from './cells/base';

export const TARGETS = { maxParams: 20_000, maxEpochs: 20, minTestAcc: 99.4 } as const;

type Verdict = 'met' | 'not met' | 'not yet';

@customElement('mnist-targets')
export class MnistTargets extends SessionElement {
  static override styles = [
    ...SessionElement.styles,
    css`
      ul { list-style: none; margin: 6px 0; padding: 6px 10px; border: 1px solid var(--border-2); border-radius: 6px; font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 18px; }
      b { font-weight: 600; }
      .met { color: var(--ok); }
      .not { color: var(--err); }
      .yet { color: var(--muted); }
    `,
  ];

  private item(id: string, target: string, now: string, v: Verdict) {
    const cls = v === 'met' ? 'met' : v === 'not met' ? 'not' : 'yet';
    return html`<li data-testid="target-${id}" data-verdict=${v}>${target}: ${now}, <b class=${cls}>${v === 'met' ? '✓ met' : v === 'not met' ? '✗ not met' : 'not yet'}</b></li>`;
  }

  /** Whether the run can still reach the accuracy: training, stopped with Continue offered, or restored mid-run. */
  private going(): boolean {
    const s = this.s;
    return s.training || s.canContinue || Boolean(s.saved && s.saved.epoch < s.saved.config.epochs);
  }

  override render() {
    const s = this.s;
    const params = s.spec.summary?.totalParams;
    const epochs = s.parsed.config?.epochs;
    const logs = s.epochs;
    const best = logs.reduce<(typeof logs)[number] | null>((b, e) => (!b || e.testAcc > b.testAcc ? e : b), null);
    return html`<ul aria-label="assignment targets">
      <li class="muted">Assignment targets</li>
      ${this.item('params', `< ${fmtInt(TARGETS.maxParams)} parameters`, params === undefined ? 'no valid spec' : `${fmtInt(params)}`, params === undefined ? 'not yet' : params < TARGETS.maxParams ? 'met' : 'not met')}
      ${this.item('epochs', `≤ ${TARGETS.maxEpochs} epochs`, epochs === undefined ? 'see the epochs field' : `${epochs} in the fields`, epochs === undefined ? 'not yet' : epochs <= TARGETS.maxEpochs ? 'met' : 'not met')}
      ${this.item(
        'acc',
        `≥ ${TARGETS.minTestAcc}% test accuracy`,
        best ? `best ${best.testAcc.toFixed(2)}% (epoch ${best.epoch})` : 'no finished epoch',
        // Met only by an epoch within the epoch budget.
        !best ? 'not yet' : logs.some((e) => e.epoch <= TARGETS.maxEpochs && e.testAcc >= TARGETS.minTestAcc) ? 'met' : this.going() ? 'not yet' : 'not met',
      )}
    </ul>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-targets': MnistTargets;
  }
}
