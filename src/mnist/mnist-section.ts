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

  /** Every cell in order (the header's "Run all"). */
  runAll(): Promise<void> {
    return this.session.runAll();
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
      <mnist-transforms-cell .session=${s}></mnist-transforms-cell>
      <mnist-dataset-cell .session=${s}></mnist-dataset-cell>
      <mnist-loaders-cell .session=${s}></mnist-loaders-cell>
      <mnist-model-cell .session=${s}></mnist-model-cell>
      <mnist-train-cell .session=${s}></mnist-train-cell>
      <mnist-plots-cell .session=${s}></mnist-plots-cell>
      <mnist-inspect-cell .session=${s}></mnist-inspect-cell>
      <mnist-inside-cell .session=${s}></mnist-inside-cell>
      <mnist-weights-cell .session=${s}></mnist-weights-cell>
      <mnist-dynamics-cell .session=${s}></mnist-dynamics-cell>
      <mnist-conv-backprop-cell .session=${s}></mnist-conv-backprop-cell>
      <mnist-runs-cell .session=${s}></mnist-runs-cell>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-section': MnistSection;
  }
}
