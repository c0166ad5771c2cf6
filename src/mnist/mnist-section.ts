// "MNIST CNN": the S5 notebook as live cells — transforms, dataset, loaders, model summary,
// train/test, plots, and a look inside — with training in a worker that owns the GPU. The state
// and its actions live in one MnistSession (session.ts); each cell is its own element (cells/).
import { LitElement, css, html } from 'lit';
import { customElement } from 'lit/decorators.js';
import { baseStyles } from '../ui/styles';
import './cells/conv-backprop-cell';
import './cells/data-cells';
import './cells/dynamics-cell';
import './cells/inside-cell';
import './cells/model-cell';
import './cells/result-cells';
import './cells/train-cell';
import './cells/weights-cell';
import './runs/runs-cell';
import { MnistSession, SessionController } from './session';

@customElement('mnist-section')
export class MnistSection extends LitElement {
  readonly session = new MnistSession();
  private ctl = new SessionController(this);
  private onPageHide = () => this.session.dispose();

  static override styles = [
    baseStyles,
    css`
      :host { display: block; }
      .nogpu { background: var(--err-bg); border: 1px solid var(--err-border); color: var(--err); padding: 12px 14px; border-radius: 10px; margin: 0 0 16px; font-size: 14px; }
    `,
  ];

  constructor() {
    super();
    this.ctl.attach(this.session);
  }

  private revealed = 0;

  /** Scroll a cell the session asks for into view, once per request (no animation under reduced motion). */
  protected override updated(): void {
    const r = this.session.state.reveal;
    if (!r || r.seq === this.revealed) return;
    this.revealed = r.seq;
    const el = this.renderRoot.querySelector(`[data-cell="${r.cell}"]`);
    const smooth = !matchMedia('(prefers-reduced-motion: reduce)').matches;
    el?.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
  }

  /** Every cell in order (the header's "Run all"). */
  runAll(): Promise<void> {
    return this.session.runAll();
  }

  /** The header's Stop: what cell 5's Stop does, also before training starts. */
  stopAll(): void {
    this.session.stop();
  }

  override connectedCallback() {
    super.connectedCallback();
    addEventListener('pagehide', this.onPageHide);
    (window as unknown as { __mnist: unknown }).__mnist = {
      // For tests: what a driver reset does.
      loseDevice: () => this.session.worker().call({ type: 'loseDevice' }),
    };
    this.session.connect();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    removeEventListener('pagehide', this.onPageHide);
    this.session.dispose();
  }

  override render() {
    const s = this.session;
    const noGpu = s.state.noGpu;
    return html`
      ${
        noGpu
          ? html`<div class="nogpu" role="alert" data-testid="mnist-nogpu"><b>MNIST training needs WebGPU, which this browser does not offer.</b><br />${noGpu}<br />
            The “Backprop by hand” section still works: it runs on its CPU reference.</div>`
          : null
      }
      <mnist-transforms-cell data-cell="1" .session=${s}></mnist-transforms-cell>
      <mnist-dataset-cell data-cell="2" .session=${s}></mnist-dataset-cell>
      <mnist-loaders-cell data-cell="3" .session=${s}></mnist-loaders-cell>
      <mnist-model-cell data-cell="4" .session=${s}></mnist-model-cell>
      <mnist-train-cell data-cell="5" .session=${s}></mnist-train-cell>
      <mnist-plots-cell data-cell="6" .session=${s}></mnist-plots-cell>
      <mnist-inspect-cell data-cell="7" .session=${s}></mnist-inspect-cell>
      <mnist-inside-cell data-cell="8" .session=${s}></mnist-inside-cell>
      <mnist-weights-cell data-cell="9" .session=${s}></mnist-weights-cell>
      <mnist-dynamics-cell data-cell="10" .session=${s}></mnist-dynamics-cell>
      <mnist-conv-backprop-cell data-cell="11" .session=${s}></mnist-conv-backprop-cell>
      <mnist-runs-cell data-cell="12" .session=${s}></mnist-runs-cell>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-section': MnistSection;
  }
}
