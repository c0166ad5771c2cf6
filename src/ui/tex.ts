// KaTeX for the formulas. Components render into shadow roots, so they adopt KaTeX's stylesheet
// (katexStyles); the @font-face rules only work at document level, so main.ts imports it globally too.
import katex from 'katex';
import katexCss from 'katex/dist/katex.min.css?inline';
import { unsafeCSS } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';

export const katexStyles = unsafeCSS(katexCss);

const cache = new Map<string, string>();

export function tex(src: string, display = false) {
  const key = `${display ? 'D' : 'I'}${src}`;
  let html = cache.get(key);
  if (html === undefined) {
    html = katex.renderToString(src, { throwOnError: false, displayMode: display, output: 'html' });
    if (cache.size > 2000) cache.clear();
    cache.set(key, html);
  }
  return unsafeHTML(html);
}

/** A number for a formula: fixed digits, scientific notation as ×10^k. */
export function texNum(v: number, digits = 6): string {
  if (Number.isNaN(v)) return '\\text{NaN}';
  if (!Number.isFinite(v)) return v > 0 ? '\\infty' : '-\\infty';
  const a = Math.abs(v);
  if (v === 0 || (a >= 1e-3 && a < 1e5)) return Number(v.toPrecision(digits)).toString();
  const [m, e] = v.toExponential(digits - 1).split('e');
  return `${m}\\times10^{${Number(e)}}`;
}
