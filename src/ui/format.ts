// Number formatting for the notebook: readable text, full precision in data-value.

export function fmt(v: number, digits = 6): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return Number(v.toPrecision(digits)).toString();
  return v.toExponential(digits - 1).replace('e', 'e');
}

export function fmtInt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

export function fmtBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(2)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}

/** Tick and readout numbers: 1e-14 rather than 0.000000000000010, 0.25 rather than 0.250000. */
export function tickLabel(v: number, digits = 4): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return String(Number(v.toPrecision(digits)));
  const [m, e] = v.toExponential(digits - 2).split('e');
  return `${String(Number(m))}e${Number(e)}`;
}

/** Labels for a set of ticks, with the fewest digits (4 or more) that tell every tick apart. */
export function tickLabels(values: number[]): string[] {
  let labels = values.map((v) => tickLabel(v));
  for (let d = 5; d <= 12 && new Set(labels).size < labels.length; d++) labels = values.map((v) => tickLabel(v, d));
  return labels;
}

/**
 * A float32 value in the fewest digits that read back to the same float32: 0.15, not
 * 0.15000000596046448 (what the float32 0.15 is as a float64). A value float32 cannot hold
 * exactly is written at float64's full precision.
 */
export function float32Text(v: number): string {
  if (!Number.isFinite(v) || Math.fround(v) !== v) return String(v);
  for (let p = 1; p <= 9; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === v) return String(t);
  }
  return String(v);
}
