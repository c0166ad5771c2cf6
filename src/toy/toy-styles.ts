// Styles shared by the backprop section's elements. Colours come from the page's palette
// (src/ui/global.css: --bg, --surface, --fg, --muted, --border, --err, --warn …, light and dark);
// the few the section adds (the highlighted path, the sign of a gradient) are defined here for both.
import { css, html } from 'lit';
import { fmt } from '../ui/format';

/** A number as the notebook shows it: readable text, full precision in data-value. */
export const num = (name: string, v: number, digits = 9) =>
  html`<span class="num" data-testid="toy-${name}" data-value=${String(v)} title=${String(v)}>${fmt(v, digits)}</span>`;

export const toyTheme = css`
  :host {
    --toy-hot: #a16207;
    --toy-hot-bg: #fef9c3;
    /* Edge colours by the sign of ∂E/∂w, as r g b for an alpha by magnitude. */
    --toy-pos: 220 38 38;
    --toy-neg: 37 99 235;
    --toy-nan: #9333ea;
    --toy-edge: #94a3b8;
    --toy-label-bg: rgb(255 255 255 / 88%);
    color: var(--fg);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --toy-hot: #facc15;
      --toy-hot-bg: #422006;
      --toy-pos: 248 113 113;
      --toy-neg: 96 165 250;
      --toy-nan: #c084fc;
      --toy-edge: #64748b;
      --toy-label-bg: rgb(17 24 39 / 88%);
    }
  }
`;

export const toyBase = css`
  :host { display: block; }
  .num { font-family: ui-monospace, SFMono-Regular, monospace; font-size: 13px; }
  .muted { color: var(--muted); font-size: 13px; }
  p { margin: 6px 0; }
  .row { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 10px 0; font-size: 13px; }
  label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: 2px; }
  label.inline { flex-direction: row; gap: 6px; align-items: center; color: var(--fg-2); }
  input[type='text'] { font: 13px ui-monospace, monospace; padding: 4px 6px; border: 1px solid var(--border); border-radius: 5px;
    width: 100%; box-sizing: border-box; background: var(--surface); color: var(--fg); }
  input[aria-invalid='true'] { border-color: var(--err); background: var(--err-bg); }
  .err { color: var(--err); font-size: 12px; min-height: 15px; }
  .note { color: var(--warn); font-size: 12px; }
  button { font: inherit; font-size: 13px; padding: 4px 10px; border-radius: 6px; border: 1px solid var(--border);
    background: var(--surface); color: var(--fg); cursor: pointer; }
  button:hover:not(:disabled) { background: var(--surface-2); }
  button:disabled { color: var(--muted); opacity: 0.65; cursor: not-allowed; }
  button:focus-visible, input:focus-visible, [tabindex]:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
  .warn { background: var(--warn-bg); border: 1px solid var(--warn-border); color: var(--warn); padding: 8px 10px;
    border-radius: 6px; font-size: 13px; margin: 8px 0; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; }
  td, th { padding: 4px 8px; border-bottom: 1px solid var(--border-2); text-align: right; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  td:first-child, th:first-child { text-align: left; }
  progress { width: 180px; height: 12px; accent-color: var(--accent); }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/** Formulas: KaTeX at a size where its smallest parts (subscripts, 0.7 of it) stay ≥ 12 px, in a table or not. */
export const toyFormula = css`
  .katex { font-size: 18.5px; }
`;
