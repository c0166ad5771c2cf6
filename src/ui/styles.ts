// Styles every section shares (Lit `css`), written once; colours come from the palette in
// global.css, so light and dark follow the system setting.
import { css } from 'lit';

export const baseStyles = css`
  .muted { color: var(--muted); font-size: 12px; }
  .row { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 8px 0; font-size: 13px; }
  button { font: inherit; font-size: 13px; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--border); background: var(--surface); color: var(--fg); cursor: pointer; }
  button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-fg); }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, a:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
  a { color: var(--accent); }
  code { font: 12px ui-monospace, monospace; }
  .warn { background: var(--warn-bg); border: 1px solid var(--warn-border); color: var(--warn); padding: 8px 10px; border-radius: 6px; font-size: 13px; margin: 8px 0; }
  .grid2 { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
  .bar { display: inline-block; height: 8px; background: var(--accent); border-radius: 2px; vertical-align: middle; }
`;

export const formStyles = css`
  .form { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 8px 12px; margin: 0 0 10px; }
  label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
  input[type='text'], select, textarea { font: 13px ui-monospace, monospace; padding: 4px 6px; border: 1px solid var(--border); border-radius: 5px; background: var(--surface); color: var(--fg); }
  input[aria-invalid='true'], textarea[aria-invalid='true'], select[aria-invalid='true'] { border-color: var(--err); background: var(--err-bg); }
  .err { color: var(--err); font-size: 12px; min-height: 14px; }
`;

export const tableStyles = css`
  table { border-collapse: collapse; font-size: 13px; }
  td, th { padding: 3px 10px; border-bottom: 1px solid var(--border-2); text-align: right; font-variant-numeric: tabular-nums; }
  th { color: var(--muted); font-weight: 600; font-size: 12px; }
  td:first-child, th:first-child { text-align: left; }
`;
