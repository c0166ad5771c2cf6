import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../toy/toy-section';
import type { ToySection } from '../toy/toy-section';
import '../mnist/mnist-section';
import type { MnistSection } from '../mnist/mnist-section';

type Section = 'toy' | 'mnist';
const MNIST_PARAMS = ['epochs', 'batch', 'lr', 'trainLimit', 'testLimit', 'seed'];

function initialSection(): Section {
  const q = new URLSearchParams(location.search);
  const s = q.get('section') ?? location.hash.slice(1);
  if (s === 'mnist' || s === 'toy') return s;
  // A link carrying training parameters (but no toy weights) means the MNIST section.
  return MNIST_PARAMS.some((p) => q.has(p)) && !q.has('w1') ? 'mnist' : 'toy';
}

/** The page: header, section switch, "Run all", and the two notebook sections. */
@customElement('notebook-app')
export class NotebookApp extends LitElement {
  @state() private section: Section = initialSection();
  @state() private running = false;

  static override styles = css`
    :host { display: block; max-width: 1440px; margin: 0 auto; padding: 0 20px 40px; }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 20px; padding: 16px 0 12px; }
    h1 { font-size: 20px; margin: 0; flex: 1 1 auto; }
    h1 small { display: block; font-size: 13px; font-weight: 400; color: #475569; margin-top: 2px; }
    h1 a { color: #2563eb; }
    nav { display: flex; border: 1px solid #cbd5e1; border-radius: 8px; overflow: hidden; }
    nav button { font: inherit; font-size: 14px; padding: 6px 14px; border: 0; background: #fff; cursor: pointer; }
    nav button[aria-selected='true'] { background: #1e293b; color: #fff; }
    .runall { font: inherit; font-size: 14px; padding: 6px 16px; border-radius: 8px; border: 1px solid #16a34a; background: #16a34a; color: #fff; cursor: pointer; }
    .runall:disabled { background: #86efac; border-color: #86efac; cursor: progress; }
    [hidden] { display: none !important; }
  `;

  private switchTo(s: Section) {
    this.section = s;
    const q = new URLSearchParams(location.search);
    q.set('section', s);
    history.replaceState(null, '', `${location.pathname}?${q}`);
  }

  private async runAll() {
    this.running = true;
    try {
      const el = this.renderRoot.querySelector(this.section === 'toy' ? 'toy-section' : 'mnist-section') as ToySection | MnistSection;
      await el.runAll();
    } finally {
      this.running = false;
    }
  }

  override render() {
    return html`
      <header>
        <h1>Backprop notebook <small>every forward and backward pass is a WGSL kernel on your GPU, checked against PyTorch
          (<a href="e2e/fixtures.html" target="_blank" rel="noopener">run PyTorch's gradient fixtures on this GPU</a>)</small></h1>
        <nav role="tablist">
          <button role="tab" data-testid="tab-toy" aria-selected=${this.section === 'toy'} @click=${() => this.switchTo('toy')}>Backprop by hand</button>
          <button role="tab" data-testid="tab-mnist" aria-selected=${this.section === 'mnist'} @click=${() => this.switchTo('mnist')}>MNIST CNN</button>
        </nav>
        <button class="runall" data-testid="run-all" ?disabled=${this.running} @click=${this.runAll}>${this.running ? 'Running…' : 'Run all'}</button>
      </header>
      <toy-section ?hidden=${this.section !== 'toy'}></toy-section>
      <mnist-section ?hidden=${this.section !== 'mnist'}></mnist-section>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'notebook-app': NotebookApp;
  }
}
