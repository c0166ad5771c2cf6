// Cell 5: Step / Play / Pause / Reset through the iterations, E_total on a chart.
import { LitElement, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import '../ui/line-chart';
import type { Series } from '../ui/line-chart';
import '../ui/nb-cell';
import type { CellStatus } from '../ui/nb-cell';
import { fmt } from '../ui/format';
import type { ToySession } from './toy-session';
import { toyBase, toyTheme } from './toy-styles';

@customElement('toy-train-cell')
export class ToyTrainCell extends LitElement {
  @property({ attribute: false }) session!: ToySession;
  @property({ type: Boolean }) ready = false;
  @property({ type: Number }) iteration = 0;
  @property({ type: Number }) eTotal = NaN;
  @property({ type: Boolean }) playing = false;
  @property({ type: Number }) speed = 20;
  /** Iterations computed ahead of the one shown, and whether the GPU is computing more. */
  @property({ type: Number }) ahead = 0;
  @property({ attribute: false }) problem: string | null = null;
  @property({ attribute: false }) series: Series[] = [];
  @property() status: CellStatus = 'idle';
  static override styles = [toyTheme, toyBase];

  override render() {
    const s = this.session;
    return html`<nb-cell index="5" heading="Train" status=${this.status} no-run>
      <div class="row">
        <button data-testid="toy-step" ?disabled=${!this.ready} @click=${() => s.step(1)}>Step</button>
        <button data-testid="toy-play" ?disabled=${!this.ready || this.playing} @click=${() => s.play()}>Play</button>
        <button data-testid="toy-pause" ?disabled=${!this.playing} @click=${() => s.pause()}>Pause</button>
        <button data-testid="toy-reset" ?disabled=${!this.ready} @click=${() => s.reset()}>Reset</button>
        <label class="inline"
          >speed
          <input type="range" min="1" max="200" .value=${String(this.speed)} data-testid="toy-speed" aria-valuetext="${this.speed} iterations per second"
            @input=${(e: Event) => s.setSpeed(Number((e.target as HTMLInputElement).value))} />
          ${this.speed} it/s</label
        >
        <span
          >iteration <span class="num" data-testid="toy-iteration" data-value=${String(this.iteration)}>${this.iteration}</span>
          ${this.ready ? html`· E_total <span class="num">${fmt(this.eTotal, 6)}</span>` : null}</span
        >
        <span class="muted" data-testid="toy-ahead" data-value=${String(this.ahead)}>${this.ready ? `${this.ahead} computed ahead` : ''}</span>
      </div>
      ${this.problem ? html`<div class="warn" role="alert" data-testid="toy-diverged">${this.problem}</div>` : null}
      <line-chart heading="E_total" x-label="iteration" y-label="E_total" .series=${this.series} data-testid="toy-loss-chart"></line-chart>
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-train-cell': ToyTrainCell;
  }
}
