import { LitElement, css, html, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { fmt } from '../ui/format';
import { toyTheme } from './toy-styles';
import type { ToySetup, ToyState } from './toy';

/** Node and edge ids a hovered chain-rule factor can light up. */
export type PathId = 'i1' | 'i2' | 'h1' | 'h2' | 'o1' | 'o2' | 'E1' | 'E2' | 'E' | 'w1' | 'w2' | 'w3' | 'w4' | 'w5' | 'w6' | 'w7' | 'w8' | 'b1' | 'b2';

const R = 30;
const Y = { a: 58, b: 216 };
const H = 272;
/** Narrowest drawing in SVG units: below it the SVG scales down instead of crowding. */
const MIN_W = 420;

/**
 * The 2-2-2 network as SVG: values on nodes, edges coloured (sign) and sized (magnitude) by ∂E/∂w.
 * The viewBox is as wide as the element in CSS pixels (from MIN_W up), so its 12–13 px text is
 * drawn at 12–13 px, not shrunk with the drawing.
 */
@customElement('toy-diagram')
export class ToyDiagram extends LitElement {
  @property({ attribute: false }) state: ToyState | null = null;
  @property({ attribute: false }) setup: ToySetup | null = null;
  @property({ attribute: false }) highlight: Set<PathId> = new Set();
  @state() private width = 480;
  private resize = new ResizeObserver(([e]) => {
    const w = Math.max(MIN_W, Math.round(e.contentRect.width));
    if (w !== this.width) this.width = w;
  });

  static override styles = [
    toyTheme,
    css`
      :host { display: block; }
      svg { display: block; width: 100%; height: auto; font: 13px ui-sans-serif, system-ui, sans-serif; }
      .node { fill: var(--surface-2); stroke: var(--muted); stroke-width: 1.5; }
      .node.hot { fill: var(--toy-hot-bg); stroke: var(--toy-hot); stroke-width: 3; }
      .edge { fill: none; stroke-linecap: round; }
      .edge.hot { stroke: var(--toy-hot) !important; }
      .lbl { text-anchor: middle; fill: var(--fg); font-size: 13px; }
      .lbl.hot { fill: var(--toy-hot); font-weight: 600; }
      .val { text-anchor: middle; fill: var(--fg-2); font-family: ui-monospace, monospace; font-size: 12px; }
      .w { fill: var(--fg); font-family: ui-monospace, monospace; font-size: 12px; }
      .bg { fill: var(--toy-label-bg); }
      .legend { color: var(--muted); font-size: 13px; margin: 4px 0 0; }
      .sw { display: inline-block; width: 18px; height: 4px; vertical-align: middle; border-radius: 2px; margin: 0 3px; }
    `,
  ];

  override connectedCallback() {
    super.connectedCallback();
    this.resize.observe(this);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.resize.disconnect();
  }

  private hot(id: PathId) {
    return this.highlight.has(id) ? ' hot' : '';
  }

  private node(id: PathId, x: number, y: number, name: string, lines: string[]) {
    return svg`<g>
      <circle class="node${this.hot(id)}" cx=${x} cy=${y} r=${R}></circle>
      <text class="lbl" x=${x} y=${y < Y.b ? y - R - 7 : y + R + 17}>${name}</text>
      ${lines.map((l, i) => svg`<text class="val" x=${x} y=${y + 4 + 14 * i - 7 * (lines.length - 1)}>${l}</text>`)}
    </g>`;
  }

  /** An edge; its label sits `labelAt` of the way along it, `dy` above or below. */
  private edge(id: PathId, x1: number, y1: number, x2: number, y2: number, value: number, grad: number, maxGrad: number, labelAt = 0.3, dy = 0) {
    const mag = maxGrad > 0 && Number.isFinite(grad) ? Math.abs(grad) / maxGrad : 0;
    const width = 1 + 6 * mag;
    const alpha = (0.35 + 0.65 * mag).toFixed(3);
    const color = !Number.isFinite(grad)
      ? 'var(--toy-nan)'
      : grad > 0
        ? `rgb(var(--toy-pos) / ${alpha})`
        : grad < 0
          ? `rgb(var(--toy-neg) / ${alpha})`
          : 'var(--toy-edge)';
    const lx = x1 + (x2 - x1) * labelAt;
    const ly = y1 + (y2 - y1) * labelAt + dy + 4;
    const text = `${id} ${fmt(value, 4)}`;
    const tw = 7.3 * text.length + 6;
    return svg`<g>
      <line class="edge${this.hot(id)}" x1=${x1} y1=${y1} x2=${x2} y2=${y2} style="stroke: ${color}" stroke-width=${width}></line>
      <rect class="bg" x=${lx - tw / 2} y=${ly - 11} width=${tw} height="15" rx="3"></rect>
      <text class="w" x=${lx} y=${ly} text-anchor="middle">${text}</text>
    </g>`;
  }

  override render() {
    const s = this.state;
    const u = this.setup;
    if (!s || !u) return html`<p>—</p>`;
    const W = this.width;
    const xin = R + 4;
    const xerr = W - R - 4;
    const X = { in: xin, hid: Math.round(xin + (xerr - xin) * 0.33), out: Math.round(xin + (xerr - xin) * 0.69), err: xerr };
    const grads = [...s.dw, s.db1, s.db2].map(Math.abs).filter(Number.isFinite);
    const maxGrad = Math.max(...grads, 1e-30);
    const e = (id: PathId, a: [number, number], b: [number, number], k: number, at?: number, dy?: number) =>
      this.edge(id, a[0] + R, a[1], b[0] - R, b[1], s.w[k], s.dw[k], maxGrad, at, dy);
    const i1: [number, number] = [X.in, Y.a];
    const i2: [number, number] = [X.in, Y.b];
    const h1: [number, number] = [X.hid, Y.a];
    const h2: [number, number] = [X.hid, Y.b];
    const o1: [number, number] = [X.out, Y.a];
    const o2: [number, number] = [X.out, Y.b];
    const mid = (Y.a + Y.b) / 2;
    const bx1 = (X.in + X.hid) / 2;
    const bx2 = (X.hid + X.out) / 2;
    return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="The 2-2-2 network: inputs, hidden and output neurons, errors; edges are the weights w1 to w8">
        ${e('w1', i1, h1, 0, 0.5, -9)} ${e('w2', i2, h1, 1, 0.25)} ${e('w3', i1, h2, 2, 0.25)} ${e('w4', i2, h2, 3, 0.5, -9)}
        ${e('w5', h1, o1, 4, 0.5, -9)} ${e('w6', h2, o1, 5, 0.25)} ${e('w7', h1, o2, 6, 0.25)} ${e('w8', h2, o2, 7, 0.5, -9)}
        ${
          u.biases
            ? svg`
            ${svg`<line class="edge${this.hot('b1')}" x1=${bx1} y1=${mid} x2=${X.hid - R} y2=${Y.b} style="stroke: var(--toy-edge)" stroke-width="1"></line>`}
            ${svg`<line class="edge${this.hot('b2')}" x1=${bx2} y1=${mid} x2=${X.out - R} y2=${Y.b} style="stroke: var(--toy-edge)" stroke-width="1"></line>`}
            ${this.edge('b1', bx1, mid, X.hid - R, Y.a, s.b1, s.db1, maxGrad, 0.0)}
            ${this.edge('b2', bx2, mid, X.out - R, Y.a, s.b2, s.db2, maxGrad, 0.0)}`
            : null
        }
        <line class="edge${this.hot('E1')}" x1=${X.out + R} y1=${Y.a} x2=${X.err - R} y2=${Y.a} style="stroke: var(--toy-edge)" stroke-width="1.5"></line>
        <line class="edge${this.hot('E2')}" x1=${X.out + R} y1=${Y.b} x2=${X.err - R} y2=${Y.b} style="stroke: var(--toy-edge)" stroke-width="1.5"></line>
        ${this.node('i1', ...i1, 'i1', [fmt(u.i1, 4)])}
        ${this.node('i2', ...i2, 'i2', [fmt(u.i2, 4)])}
        ${this.node('h1', ...h1, 'h1 → a_h1', [fmt(s.h1, 4), fmt(s.a_h1, 4)])}
        ${this.node('h2', ...h2, 'h2 → a_h2', [fmt(s.h2, 4), fmt(s.a_h2, 4)])}
        ${this.node('o1', ...o1, 'o1 → a_o1', [fmt(s.o1, 4), fmt(s.a_o1, 4)])}
        ${this.node('o2', ...o2, 'o2 → a_o2', [fmt(s.o2, 4), fmt(s.a_o2, 4)])}
        ${this.node('E1', X.err, Y.a, 'E1', [fmt(s.E1, 3), `t1 ${fmt(u.t1, 3)}`])}
        ${this.node('E2', X.err, Y.b, 'E2', [fmt(s.E2, 3), `t2 ${fmt(u.t2, 3)}`])}
        <text class="lbl${this.hot('E')}" x=${X.err} y=${mid - 4}>E_total</text>
        <text class="val" x=${X.err} y=${mid + 12}>${fmt(s.E_total, 4)}</text>
      </svg>
      <p class="legend">
        Edge width ∝ |∂E/∂w|; <span class="sw" style="background: rgb(var(--toy-pos))"></span>∂E/∂w &gt; 0 (the step lowers w),
        <span class="sw" style="background: rgb(var(--toy-neg))"></span>∂E/∂w &lt; 0.
      </p>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'toy-diagram': ToyDiagram;
  }
}
