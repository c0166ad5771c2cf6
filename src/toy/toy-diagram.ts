import { LitElement, css, html, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { fmt } from '../ui/format';
import type { ToySetup, ToyState } from './toy';

/** Node and edge ids a hovered chain-rule factor can light up. */
export type PathId =
  | 'i1' | 'i2' | 'h1' | 'h2' | 'o1' | 'o2' | 'E1' | 'E2' | 'E'
  | 'w1' | 'w2' | 'w3' | 'w4' | 'w5' | 'w6' | 'w7' | 'w8' | 'b1' | 'b2';

const X = { in: 60, hid: 250, out: 440, err: 600 };
const Y = { a: 70, b: 210 };
const R = 34;

/** The 2-2-2 network as SVG: values on nodes, edges coloured (sign) and sized (magnitude) by ∂E/∂w. */
@customElement('toy-diagram')
export class ToyDiagram extends LitElement {
  @property({ attribute: false }) state: ToyState | null = null;
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property({ attribute: false }) highlight: Set<PathId> = new Set();

  static override styles = css`
    :host { display: block; }
    svg { width: 100%; height: auto; font: 10px ui-sans-serif, system-ui, sans-serif; }
    .node { fill: #f8fafc; stroke: #475569; stroke-width: 1.5; }
    .node.hot { fill: #fef9c3; stroke: #ca8a04; stroke-width: 3; }
    .edge { fill: none; stroke-linecap: round; }
    .edge.hot { stroke: #ca8a04 !important; }
    .lbl { text-anchor: middle; fill: #0f172a; }
    .val { text-anchor: middle; fill: #334155; font-family: ui-monospace, monospace; font-size: 10px; }
    .w { fill: #1e293b; font-family: ui-monospace, monospace; font-size: 10px; }
    .bg { fill: #fff; opacity: 0.85; }
    .legend { fill: #64748b; font-size: 10px; }
  `;

  private hot(id: PathId) {
    return this.highlight.has(id) ? ' hot' : '';
  }

  private node(id: PathId, x: number, y: number, name: string, lines: string[]) {
    return svg`<g>
      <circle class="node${this.hot(id)}" cx=${x} cy=${y} r=${R}></circle>
      <text class="lbl" x=${x} y=${y - 8}>${name}</text>
      ${lines.map((l, i) => svg`<text class="val" x=${x} y=${y + 8 + 11 * i}>${l}</text>`)}
    </g>`;
  }

  private edge(id: PathId, x1: number, y1: number, x2: number, y2: number, value: number, grad: number, maxGrad: number, labelAt = 0.3) {
    const mag = maxGrad > 0 && Number.isFinite(grad) ? Math.abs(grad) / maxGrad : 0;
    const width = 1 + 6 * mag;
    const color = !Number.isFinite(grad) ? '#a855f7' : grad > 0 ? `rgba(220, 38, 38, ${0.35 + 0.65 * mag})` : grad < 0 ? `rgba(37, 99, 235, ${0.35 + 0.65 * mag})` : '#94a3b8';
    const lx = x1 + (x2 - x1) * labelAt;
    const ly = y1 + (y2 - y1) * labelAt;
    const text = `${id} ${fmt(value, 4)}`;
    return svg`<g>
      <line class="edge${this.hot(id)}" x1=${x1} y1=${y1} x2=${x2} y2=${y2} stroke=${color} stroke-width=${width}></line>
      <rect class="bg" x=${lx - 3.1 * text.length} y=${ly - 9} width=${6.2 * text.length} height="12" rx="3"></rect>
      <text class="w" x=${lx} y=${ly} text-anchor="middle">${text}</text>
    </g>`;
  }

  override render() {
    const s = this.state;
    const u = this.setup;
    if (!s || !u) return html`<p>—</p>`;
    const grads = [...s.dw, s.db1, s.db2].map(Math.abs).filter(Number.isFinite);
    const maxGrad = Math.max(...grads, 1e-30);
    const e = (id: PathId, a: [number, number], b: [number, number], k: number, at?: number) =>
      this.edge(id, a[0] + R, a[1], b[0] - R, b[1], s.w[k], s.dw[k], maxGrad, at);
    const i1: [number, number] = [X.in, Y.a];
    const i2: [number, number] = [X.in, Y.b];
    const h1: [number, number] = [X.hid, Y.a];
    const h2: [number, number] = [X.hid, Y.b];
    const o1: [number, number] = [X.out, Y.a];
    const o2: [number, number] = [X.out, Y.b];
    return html`<svg viewBox="0 0 680 300" role="img" aria-label="2-2-2 network diagram">
      ${e('w1', i1, h1, 0, 0.25)} ${e('w2', i2, h1, 1, 0.22)} ${e('w3', i1, h2, 2, 0.22)} ${e('w4', i2, h2, 3, 0.25)}
      ${e('w5', h1, o1, 4, 0.25)} ${e('w6', h2, o1, 5, 0.22)} ${e('w7', h1, o2, 6, 0.22)} ${e('w8', h2, o2, 7, 0.25)}
      ${u.biases
        ? svg`
          ${this.edge('b1', 155, 140, X.hid - R, Y.a, s.b1, s.db1, maxGrad, 0.0)}
          ${svg`<line class="edge${this.hot('b1')}" x1="155" y1="140" x2=${X.hid - R} y2=${Y.b} stroke="#94a3b8" stroke-width="1"></line>`}
          ${this.edge('b2', 345, 140, X.out - R, Y.a, s.b2, s.db2, maxGrad, 0.0)}
          ${svg`<line class="edge${this.hot('b2')}" x1="345" y1="140" x2=${X.out - R} y2=${Y.b} stroke="#94a3b8" stroke-width="1"></line>`}`
        : null}
      <line class="edge${this.hot('E1')}" x1=${X.out + R} y1=${Y.a} x2=${X.err - 24} y2=${Y.a} stroke="#94a3b8" stroke-width="1.5"></line>
      <line class="edge${this.hot('E2')}" x1=${X.out + R} y1=${Y.b} x2=${X.err - 24} y2=${Y.b} stroke="#94a3b8" stroke-width="1.5"></line>
      ${this.node('i1', ...i1, 'i1', [fmt(u.i1, 4)])}
      ${this.node('i2', ...i2, 'i2', [fmt(u.i2, 4)])}
      ${this.node('h1', ...h1, 'h1 → a_h1', [fmt(s.h1, 4), fmt(s.a_h1, 4)])}
      ${this.node('h2', ...h2, 'h2 → a_h2', [fmt(s.h2, 4), fmt(s.a_h2, 4)])}
      ${this.node('o1', ...o1, 'o1 → a_o1', [fmt(s.o1, 4), fmt(s.a_o1, 4)])}
      ${this.node('o2', ...o2, 'o2 → a_o2', [fmt(s.o2, 4), fmt(s.a_o2, 4)])}
      ${this.node('E1', X.err, Y.a, 'E1', [fmt(s.E1, 4), `t1 ${fmt(u.t1, 3)}`])}
      ${this.node('E2', X.err, Y.b, 'E2', [fmt(s.E2, 4), `t2 ${fmt(u.t2, 3)}`])}
      <text class="lbl${this.hot('E')}" x=${X.err} y="150">E_total = ${fmt(s.E_total, 6)}</text>
      <text class="legend" x="10" y="292">edge width ∝ |∂E/∂w|; red: ∂E/∂w &gt; 0 (the step lowers w), blue: &lt; 0</text>
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-diagram': ToyDiagram;
  }
}
