// Command-line options for the Node entry points: `--name value` or `--name=value`, and bare
// `--flag`s. Anything else (a stray word, an unknown name, a value left out) is refused with a
// one-line reason before the caller touches data or the GPU.
export function parseArgs(argv: string[], known: string[], flags: string[] = []): Record<string, string> {
  const all = [...known, ...flags];
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    const k = eq < 0 ? a.slice(2) : a.slice(2, eq);
    if (!all.includes(k)) throw new Error(`unknown option --${k} (known: ${all.map((x) => '--' + x).join(' ')})`);
    if (flags.includes(k)) {
      out[k] = 'true';
      continue;
    }
    const v = eq >= 0 ? a.slice(eq + 1) : argv[i + 1]?.startsWith('--') ? undefined : argv[++i];
    if (v === undefined) throw new Error(`--${k} needs a value`);
    out[k] = v;
  }
  return out;
}
