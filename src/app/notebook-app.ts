// The page: header, the two sections as real tabs (arrow keys move between them), "Run all".
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import '../mnist/mnist-section';
import '../ui/shortcut-help';
import type { CellRanEvent } from '../ui/nb-cell';
import './offline-status';
import type { MnistSection } from '../mnist/mnist-section';
import '../toy/toy-section';
import type { ToySection } from '../toy/toy-section';

type Section = 'toy' | 'mnist';
const SECTIONS: { id: Section; label: string }[] = [
  { id: 'toy', label: 'Backprop by hand' },
  { id: 'mnist', label: 'MNIST CNN' },
];
const MNIST_PARAMS = ['epochs', 'batch', 'lr', 'trainLimit', 'testLimit', 'seed'];

function initialSection(): Section {
  const q = new URLSearchParams(location.search);
  const s = q.get('section') ?? location.hash.slice(1);
  if (s === 'mnist' || s === 'toy') return s;
  // A link carrying training parameters (but no toy weights) means the MNIST section.
  return MNIST_PARAMS.some((p) => q.has(p)) && !q.has('w1') ? 'mnist' : 'toy';
}

@customElement('notebook-app')
export class NotebookApp extends LitElement {
  @state() private section: Section = initialSection();
  @state() private running = false;
  /** Execution counts, one sequence per section, as each is its own notebook (each cell's [n]; see nb-cell). */
  private runs: Record<Section, number> = { toy: 0, mnist: 0 };

  constructor() {
    super();
    this.addEventListener('cell-ran', (e) => {
      const section = e.composedPath().find((t): t is HTMLElement => t instanceof HTMLElement && (t.id === 'panel-toy' || t.id === 'panel-mnist'));
      if (section) (e as CellRanEvent).detail.count = ++this.runs[section.id === 'panel-toy' ? 'toy' : 'mnist'];
    });
  }

  static override styles = css`
    :host { display: block; max-width: 1280px; margin: 0 auto; padding: 0 20px 40px; }
    header { display: grid; grid-template-columns: minmax(0, 1fr) auto auto auto; align-items: center; gap: 12px 20px; padding: 16px 0 12px; }
    /* Narrow: the tabs get a row of their own, so Run all and Stop never squeeze them. */
    @media (max-width: 720px) {
      header { grid-template-columns: 1fr auto; }
      h1, [role='tablist'] { grid-column: 1 / -1; }
      [role='tab'] { flex: 1; }
    }
    h1 { font-size: 20px; margin: 0; }
    h1 small { display: block; font-size: 13px; font-weight: 400; color: var(--muted); margin-top: 2px; }
    h1 a { color: var(--accent); }
    [role='tablist'] { display: flex; border: 1px solid var(--border); border-radius: 8px; overflow: hidden; }
    [role='tab'] { font: inherit; font-size: 14px; padding: 6px 14px; border: 0; background: var(--surface); color: var(--fg); cursor: pointer; }
    [role='tab'][aria-selected='true'] { background: var(--fg); color: var(--bg); }
    [role='tab']:focus-visible, .runall:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .runall { font: inherit; font-size: 14px; padding: 6px 16px; border-radius: 8px; border: 1px solid var(--run); background: var(--run); color: var(--run-fg); cursor: pointer; white-space: nowrap; }
    .actions { display: flex; gap: 8px; }
    .runall.stop { background: var(--surface); color: var(--fg); border-color: var(--border); }
    .runall:disabled { opacity: 0.6; cursor: progress; }
    [hidden] { display: none !important; }
  `;

  private switchTo(s: Section, focus = false) {
    this.section = s;
    const q = new URLSearchParams(location.search);
    q.set('section', s);
    history.replaceState(null, '', `${location.pathname}?${q}`);
    if (focus) void this.updateComplete.then(() => (this.renderRoot.querySelector(`#tab-${s}`) as HTMLElement | null)?.focus());
  }

  /** Arrow keys, Home and End move between tabs (WAI-ARIA tabs pattern, automatic activation). */
  private onTabKey(e: KeyboardEvent) {
    const i = SECTIONS.findIndex((x) => x.id === this.section);
    const n = SECTIONS.length;
    const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i + n - 1) % n, Home: 0, End: n - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    this.switchTo(SECTIONS[to].id, true);
  }

  private runningIn: ToySection | MnistSection | null = null;

  private async runAll() {
    this.running = true;
    const el = this.renderRoot.querySelector(this.section === 'toy' ? 'toy-section' : 'mnist-section') as ToySection | MnistSection;
    this.runningIn = el;
    try {
      await el.runAll();
    } finally {
      this.running = false;
      this.runningIn = null;
    }
  }

  /** Stop Run all in the section it runs in: its queued cells are cancelled, saying so. */
  private stopAll() {
    this.runningIn?.stopAll();
  }

  override render() {
    return html`
      <header>
        <h1>Backprop notebook <small>every forward and backward pass is a WGSL kernel on your GPU, checked against PyTorch
          (<a href="fixtures/check.html" target="_blank" rel="noopener">run PyTorch's gradient fixtures on this GPU</a>)</small></h1>
        <div role="tablist" aria-label="Notebook sections" @keydown=${this.onTabKey}>
          ${SECTIONS.map(
            (x) => html`<button role="tab" id="tab-${x.id}" data-testid="tab-${x.id}" aria-controls="panel-${x.id}" aria-selected=${this.section === x.id}
              tabindex=${this.section === x.id ? 0 : -1} @click=${() => this.switchTo(x.id)}>${x.label}</button>`,
          )}
        </div>
        <span class="actions"><button class="runall" data-testid="run-all" ?disabled=${this.running} @click=${this.runAll}>${this.running ? 'Running…' : 'Run all'}</button>
        ${this.running ? html`<button class="runall stop" data-testid="run-all-stop" @click=${this.stopAll}>Stop</button>` : null}</span>
        <shortcut-help></shortcut-help>
      </header>
      <toy-section id="panel-toy" role="tabpanel" aria-labelledby="tab-toy" ?hidden=${this.section !== 'toy'}></toy-section>
      <mnist-section id="panel-mnist" role="tabpanel" aria-labelledby="tab-mnist" ?hidden=${this.section !== 'mnist'}></mnist-section>
      <footer><offline-status></offline-status></footer>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'notebook-app': NotebookApp;
  }
}
