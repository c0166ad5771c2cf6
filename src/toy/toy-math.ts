// What the backprop notebook writes out: each forward quantity and each chain-rule factor as a
// formula, the formula with numbers, and the value. Values come from a ToyState (GPU or CPU).
import { texNum } from '../ui/tex';
import type { PathId } from './toy-diagram';
import type { ToySetup, ToyState } from './toy';

export interface ForwardLine {
  name: string;
  tex: string;
  subst: string;
  value: number;
}

const n = (v: number) => texNum(v, 6);

export function forwardLines(s: ToyState, u: ToySetup): ForwardLine[] {
  const [w1, w2, w3, w4, w5, w6, w7, w8] = s.w;
  const b1 = u.biases ? ` + b_1` : '';
  const b2 = u.biases ? ` + b_2` : '';
  const vb1 = u.biases ? ` + ${n(s.b1)}` : '';
  const vb2 = u.biases ? ` + ${n(s.b2)}` : '';
  return [
    { name: 'h1', tex: `h_1 = w_1 i_1 + w_2 i_2${b1}`, subst: `${n(w1)}\\cdot${n(u.i1)} + ${n(w2)}\\cdot${n(u.i2)}${vb1}`, value: s.h1 },
    { name: 'h2', tex: `h_2 = w_3 i_1 + w_4 i_2${b1}`, subst: `${n(w3)}\\cdot${n(u.i1)} + ${n(w4)}\\cdot${n(u.i2)}${vb1}`, value: s.h2 },
    { name: 'a_h1', tex: `a_{h1} = \\sigma(h_1) = \\dfrac{1}{1 + \\exp(-h_1)}`, subst: `\\dfrac{1}{1 + \\exp(${n(-s.h1)})}`, value: s.a_h1 },
    { name: 'a_h2', tex: `a_{h2} = \\sigma(h_2)`, subst: `\\dfrac{1}{1 + \\exp(${n(-s.h2)})}`, value: s.a_h2 },
    { name: 'o1', tex: `o_1 = w_5 a_{h1} + w_6 a_{h2}${b2}`, subst: `${n(w5)}\\cdot${n(s.a_h1)} + ${n(w6)}\\cdot${n(s.a_h2)}${vb2}`, value: s.o1 },
    { name: 'o2', tex: `o_2 = w_7 a_{h1} + w_8 a_{h2}${b2}`, subst: `${n(w7)}\\cdot${n(s.a_h1)} + ${n(w8)}\\cdot${n(s.a_h2)}${vb2}`, value: s.o2 },
    { name: 'a_o1', tex: `a_{o1} = \\sigma(o_1)`, subst: `\\dfrac{1}{1 + \\exp(${n(-s.o1)})}`, value: s.a_o1 },
    { name: 'a_o2', tex: `a_{o2} = \\sigma(o_2)`, subst: `\\dfrac{1}{1 + \\exp(${n(-s.o2)})}`, value: s.a_o2 },
    { name: 'E1', tex: `E_1 = \\tfrac12 (t_1 - a_{o1})^2`, subst: `\\tfrac12 (${n(u.t1)} - ${n(s.a_o1)})^2`, value: s.E1 },
    { name: 'E2', tex: `E_2 = \\tfrac12 (t_2 - a_{o2})^2`, subst: `\\tfrac12 (${n(u.t2)} - ${n(s.a_o2)})^2`, value: s.E2 },
    { name: 'E_total', tex: `E_{total} = E_1 + E_2`, subst: `${n(s.E1)} + ${n(s.E2)}`, value: s.E_total },
  ];
}

export interface Factor {
  tex: string;
  /** The factor's own formula in terms of the network's values. */
  formula: string;
  value: number;
  path: PathId[];
}

export interface Partial {
  /** "w1" … "w8", "b1", "b2" */
  param: string;
  tex: string;
  factors: Factor[];
  /** Hidden-layer weights: the two terms through which both outputs' errors reach the weight. */
  sum?: { terms: Factor[]; tex: string; value: number };
  /** The gradient the engine computed (what the update uses). */
  value: number;
}

export function partials(s: ToyState, u: ToySetup): Partial[] {
  const t = [u.t1, u.t2];
  const ao = [s.a_o1, s.a_o2];
  const ah = [s.a_h1, s.a_h2];
  const inp = [u.i1, u.i2];
  const out: Partial[] = [];
  // Output weights: w5 (h1→o1), w6 (h2→o1), w7 (h1→o2), w8 (h2→o2).
  for (let k = 4; k < 8; k++) {
    const o = k < 6 ? 0 : 1;
    const h = k % 2;
    const O = o + 1;
    const H = h + 1;
    out.push({
      param: `w${k + 1}`,
      tex: `\\dfrac{\\partial E}{\\partial w_${k + 1}} = \\dfrac{\\partial E_${O}}{\\partial a_{o${O}}} \\cdot \\dfrac{\\partial a_{o${O}}}{\\partial o_${O}} \\cdot \\dfrac{\\partial o_${O}}{\\partial w_${k + 1}}`,
      factors: [
        {
          tex: `\\dfrac{\\partial E_${O}}{\\partial a_{o${O}}}`,
          formula: `a_{o${O}} - t_${O}`,
          value: ao[o] - t[o],
          path: [`E${O}` as PathId, `o${O}` as PathId],
        },
        { tex: `\\dfrac{\\partial a_{o${O}}}{\\partial o_${O}}`, formula: `a_{o${O}}(1 - a_{o${O}})`, value: ao[o] * (1 - ao[o]), path: [`o${O}` as PathId] },
        { tex: `\\dfrac{\\partial o_${O}}{\\partial w_${k + 1}}`, formula: `a_{h${H}}`, value: ah[h], path: [`w${k + 1}` as PathId, `h${H}` as PathId] },
      ],
      value: s.dw[k],
    });
  }
  // Hidden weights: w1 (i1→h1), w2 (i2→h1), w3 (i1→h2), w4 (i2→h2).
  const wOut = s.w.slice(4);
  for (let k = 0; k < 4; k++) {
    const h = k < 2 ? 0 : 1;
    const i = k % 2;
    const H = h + 1;
    const terms = [0, 1].map((o): Factor => {
      const O = o + 1;
      const wk = o === 0 ? 4 + h : 6 + h; // w5/w6 into o1, w7/w8 into o2
      return {
        tex: `\\dfrac{\\partial E_${O}}{\\partial a_{h${H}}}`,
        formula: `(a_{o${O}} - t_${O})\\, a_{o${O}}(1 - a_{o${O}})\\, w_${wk + 1}`,
        value: (ao[o] - t[o]) * ao[o] * (1 - ao[o]) * wOut[wk - 4],
        path: [`E${O}` as PathId, `o${O}` as PathId, `w${wk + 1}` as PathId, `h${H}` as PathId],
      };
    });
    out.push({
      param: `w${k + 1}`,
      tex: `\\dfrac{\\partial E}{\\partial w_${k + 1}} = \\Big(\\dfrac{\\partial E_1}{\\partial a_{h${H}}} + \\dfrac{\\partial E_2}{\\partial a_{h${H}}}\\Big) \\cdot \\dfrac{\\partial a_{h${H}}}{\\partial h_${H}} \\cdot \\dfrac{\\partial h_${H}}{\\partial w_${k + 1}}`,
      sum: { terms, tex: `\\dfrac{\\partial E}{\\partial a_{h${H}}}`, value: terms[0].value + terms[1].value },
      factors: [
        {
          tex: `\\dfrac{\\partial E}{\\partial a_{h${H}}}`,
          formula: `\\dfrac{\\partial E_1}{\\partial a_{h${H}}} + \\dfrac{\\partial E_2}{\\partial a_{h${H}}}`,
          value: terms[0].value + terms[1].value,
          path: ['E1', 'E2', 'o1', 'o2', `h${H}` as PathId],
        },
        { tex: `\\dfrac{\\partial a_{h${H}}}{\\partial h_${H}}`, formula: `a_{h${H}}(1 - a_{h${H}})`, value: ah[h] * (1 - ah[h]), path: [`h${H}` as PathId] },
        { tex: `\\dfrac{\\partial h_${H}}{\\partial w_${k + 1}}`, formula: `i_${i + 1}`, value: inp[i], path: [`w${k + 1}` as PathId, `i${i + 1}` as PathId] },
      ],
      value: s.dw[k],
    });
  }
  out.sort((a, b) => Number(a.param.slice(1)) - Number(b.param.slice(1)));
  if (u.biases) {
    const d = [0, 1].map((o) => (ao[o] - t[o]) * ao[o] * (1 - ao[o]));
    const dh = [0, 1].map((h) => (d[0] * wOut[h] + d[1] * wOut[2 + h]) * ah[h] * (1 - ah[h]));
    out.push({
      param: 'b1',
      tex: `\\dfrac{\\partial E}{\\partial b_1} = \\dfrac{\\partial E}{\\partial h_1} + \\dfrac{\\partial E}{\\partial h_2}`,
      factors: [
        { tex: `\\dfrac{\\partial E}{\\partial h_1}`, formula: `\\dfrac{\\partial E}{\\partial a_{h1}} a_{h1}(1 - a_{h1})`, value: dh[0], path: ['b1', 'h1'] },
        { tex: `\\dfrac{\\partial E}{\\partial h_2}`, formula: `\\dfrac{\\partial E}{\\partial a_{h2}} a_{h2}(1 - a_{h2})`, value: dh[1], path: ['b1', 'h2'] },
      ],
      value: s.db1,
    });
    out.push({
      param: 'b2',
      tex: `\\dfrac{\\partial E}{\\partial b_2} = \\dfrac{\\partial E}{\\partial o_1} + \\dfrac{\\partial E}{\\partial o_2}`,
      factors: [
        { tex: `\\dfrac{\\partial E}{\\partial o_1}`, formula: `(a_{o1} - t_1)\\, a_{o1}(1 - a_{o1})`, value: d[0], path: ['b2', 'o1', 'E1'] },
        { tex: `\\dfrac{\\partial E}{\\partial o_2}`, formula: `(a_{o2} - t_2)\\, a_{o2}(1 - a_{o2})`, value: d[1], path: ['b2', 'o2', 'E2'] },
      ],
      value: s.db2,
    });
  }
  return out;
}

/** What went wrong in a run, in words: NaN, or saturated sigmoids with E stuck. */
export function diagnoseRun(states: ToyState[]): string | null {
  const bad = states.findIndex((s) => ![s.E_total, ...s.w, s.h1, s.h2, s.o1, s.o2].every(Number.isFinite));
  if (bad >= 0)
    return `E_total is not a number from iteration ${states[bad].iteration}: the weights or activations overflowed float32 (iteration ${states[Math.max(0, bad - 1)].iteration} had E_total = ${states[Math.max(0, bad - 1)].E_total.toPrecision(4)}). Lower η, the weights or the inputs.`;
  const last = states[states.length - 1];
  const sat = (a: number) => a < 1e-6 || a > 1 - 1e-6;
  const which = (['a_h1', 'a_h2', 'a_o1', 'a_o2'] as const).filter((k) => sat(last[k]));
  if (which.length) {
    const stuck = states.length > 10 && Math.abs(last.E_total - states[states.length - 10].E_total) <= 1e-9 * Math.max(1, last.E_total);
    return `Saturated sigmoid${which.length > 1 ? 's' : ''}: ${which.map((k) => `${k} = ${last[k].toPrecision(7)}`).join(', ')}. There σ′ = σ(1 − σ) ≈ 0 (exactly 0 in float32 once σ rounds to 1, from an input of about 16.6), so the gradients through ${which.length > 1 ? 'them' : 'it'} vanish${stuck ? ` and E_total is stuck at ${last.E_total.toPrecision(6)}` : ''}.`;
  }
  return null;
}
