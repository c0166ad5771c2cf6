// Cell 11: backprop through one convolution, the toy section's lesson one level up. For the digit
// in cell 8 and one kernel of the first convolution: ∂L/∂w[o, c, i, j] = Σ_y Σ_x ∂L/∂Y[o, y, x] ·
// X[c', y·s + i·d − p, x·s + j·d − p] (stride s, dilation d; c' is c within o's group). Pick an
// output pixel: its input patch, its output gradient and their product, which is that pixel's share
// of ∂L/∂w; the sum over every pixel (float64, here; conv-backprop.ts) next to the engine's weight
// gradient (float32, from its backward kernels).
import { css, html, type PropertyValues } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { fmt } from '../../ui/format';
import '../../ui/heat-maps';
import '../../ui/nb-cell';
import type { Inside } from '../protocol';
import { grid, inChannel, kernelSums, tapAt } from './conv-backprop';
import { SessionElement } from './base';

/**
 * The output pixel whose share of ∂L/∂w is largest (|∂L/∂Y| · Σ|patch|) for kernel (o, c): a new
 * digit opens on a pixel where both the patch and the gradient are non-zero, not on background.
 */
export function busiestPixel(ins: Inside, o: number, c: number): [number, number] | null {
  const g = ins.firstConvGrad!;
  const [, OH, OW] = g.outShape;
  const [, H, W] = g.inShape;
  const X = g.layer === 0 ? ins.input : ins.layers[g.layer - 1].activation;
  const dY = ins.layers[g.layer].grad;
  const [, , KH, KW] = g.shape;
  let best: [number, number] | null = null;
  let bestV = 0;
  for (let y = 0; y < OH; y++)
    for (let x = 0; x < OW; x++) {
      let patch = 0;
      const ci = inChannel(g, o, c);
      for (let i = 0; i < KH; i++)
        for (let j = 0; j < KW; j++) {
          const [yy, xx] = tapAt(g, y, x, i, j);
          if (yy >= 0 && xx >= 0 && yy < H && xx < W) patch += Math.abs(X[(ci * H + yy) * W + xx]);
        }
      const v = Math.abs(dY[(o * OH + y) * OW + x]) * patch;
      if (v > bestV) [best, bestV] = [[y, x], v];
    }
  return best;
}

@customElement('mnist-conv-backprop-cell')
export class ConvBackpropCell extends SessionElement {
  @state() private o = 0;
  @state() private c = 0;
  @state() private y = 12;
  @state() private x = 12;
  /** The digit the pixel was picked for: a refresh of the same digit keeps the pixel. */
  private pickedFor = '';

  static override styles = [
    ...SessionElement.styles,
    css`
      table.k td, table.k td:first-child { min-width: 5.5em; text-align: right; }
      .eq { font-size: 18px; color: var(--muted); align-self: center; }
      input[type='number'] { width: 4.5em; font: 13px ui-monospace, monospace; background: var(--surface); color: var(--fg); border: 1px solid var(--border); border-radius: 5px; }
    `,
  ];

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const ins = this.s.inside;
    const key = ins ? `${ins.image}:${ins.label}` : '';
    if (!ins?.firstConvGrad || key === this.pickedFor) return;
    this.pickedFor = key;
    const p = busiestPixel(ins, this.o, this.c);
    if (p) [this.y, this.x] = p;
  }

  private table(testid: string, m: number[][]) {
    return html`<table class="k" data-testid=${testid} data-values=${JSON.stringify(m.flat())}>${m.map((r) => html`<tr>${r.map((v) => html`<td>${fmt(v, 4)}</td>`)}</tr>`)}</table>`;
  }

  private num(label: string, value: number, max: number, set: (v: number) => void, testid: string) {
    return html`<label style="flex-direction:row;align-items:center;gap:4px">${label}
      <input type="number" data-testid=${testid} min="0" max=${max} .value=${String(value)}
        @input=${(e: Event) => set(Math.max(0, Math.min(max, Math.trunc(Number((e.target as HTMLInputElement).value) || 0))))} /></label>`;
  }

  override render() {
    const s = this.s;
    const ins = s.inside;
    const g = ins?.firstConvGrad;
    const conv = g;
    if (!ins || !g || !conv)
      return html`<nb-cell index="11" heading="Backprop through one convolution" status="idle" no-run>
        <p class="muted">Show a digit in cell 8 first; this cell takes apart its first convolution's weight gradient.</p></nb-cell>`;
    const [O, C, KH, KW] = g.shape;
    const [, OH, OW] = conv.outShape;
    const [, H, W] = conv.inShape;
    const X = g.layer === 0 ? ins.input : ins.layers[g.layer - 1].activation;
    const dY = ins.layers[g.layer].grad;
    const o = Math.min(this.o, O - 1);
    const c = Math.min(this.c, C - 1);
    const y = Math.min(this.y, OH - 1);
    const x = Math.min(this.x, OW - 1);
    const { ci, patch, sum, upTo, dy } = kernelSums(g, X, dY, o, c, y, x);
    const share = patch.map((r) => r.map((v) => dy * v));
    const engine = grid(KH, KW, (i, j) => g.data[((o * C + c) * KH + i) * KW + j]);
    const diff = Math.max(...sum.flatMap((r, i) => r.map((v, j) => Math.abs(v - engine[i][j]))));
    const scale = Math.max(...engine.flat().map(Math.abs));
    const off = (p: number) => (p ? ` − ${p}` : '');
    const at = (v: string, s: number, k: string, d: number, p: number) => `${v}${s > 1 ? `·${s}` : ''} + ${k}${d > 1 ? `·${d}` : ''}${off(p)}`;
    const [top, left] = tapAt(g, y, x, 0, 0);
    return html`<nb-cell index="11" heading="Backprop through one convolution" status="done" no-run>
      <p>Layer ${g.layer}'s kernel for output channel ${o} and input channel ${c}: ∂L/∂w[i, j] = Σ over every output pixel (y, x) of ∂L/∂Y[${o}, y, x] · X[${ci}, ${at('y', g.sh, 'i', g.dh, g.ph)}, ${at('x', g.sw, 'j', g.dw, g.pw)}].</p>
      <div class="row">
        ${this.num('output channel', o, O - 1, (v) => (this.o = v), 'convbp-o')} ${C > 1 ? this.num('input channel', c, C - 1, (v) => (this.c = v), 'convbp-c') : null}
        ${this.num('pixel row y', y, OH - 1, (v) => (this.y = v), 'convbp-y')} ${this.num('column x', x, OW - 1, (v) => (this.x = v), 'convbp-x')}
      </div>
      <div class="grid2">
        <heat-maps .data=${X.subarray(ci * H * W, (ci + 1) * H * W)} channels="1" h=${H} w=${W} scale="6" kind="sequential" label="input X[${ci}]"
          .marks=${[{ y: top, x: left, h: (KH - 1) * g.dh + 1, w: (KW - 1) * g.dw + 1 }]}></heat-maps>
        <heat-maps .data=${dY.subarray(o * OH * OW, (o + 1) * OH * OW)} channels="1" h=${OH} w=${OW} scale="6" kind="diverging" label="∂L/∂Y[${o}]"
          .marks=${[{ y, x, h: 1, w: 1 }]}></heat-maps>
      </div>
      <div class="grid2">
        <div><div class="muted">input patch at (${y}, ${x})</div>${this.table('convbp-patch', patch)}</div>
        <div class="eq">× ${fmt(dy, 4)} =</div>
        <div><div class="muted">this pixel's share of ∂L/∂w</div>${this.table('convbp-share', share)}</div>
        <div><div class="muted">sum over pixels up to (${y}, ${x}) in row order</div>${this.table('convbp-upto', upTo)}</div>
      </div>
      <div class="grid2">
        <div><div class="muted">sum over all ${OH}×${OW} pixels (float64, here)</div>${this.table('convbp-sum', sum)}</div>
        <div class="eq">≈</div>
        <div><div class="muted">∂L/∂w from the engine's backward kernels (float32, GPU)</div>${this.table('convbp-engine', engine)}</div>
      </div>
      <p data-testid="convbp-diff" data-value=${diff}>Largest difference ${fmt(diff, 3)}${scale ? ` (${fmt((100 * diff) / scale, 2)}% of the largest entry)` : ''}: the same number, summed in another order and precision.</p>
    </nb-cell>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mnist-conv-backprop-cell': ConvBackpropCell;
  }
}
