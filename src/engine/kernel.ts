// A kernel as a declaration: WGSL source, entry point and variant values. Binding names and slots
// are read from the WGSL (`@group(0) @binding(n) var<…> name`), and which of them the entry uses
// from its body and the functions it calls, so an op binds buffers by name (rt.dispatch) and a
// missing or stray name is refused before WebGPU sees it. @workgroup_size is read the same way.

/**
 * Variant values: a number replaces the module constant of that name (`const B = 8u;` becomes
 * `const B = 2u;`, keeping the literal's suffix); a string replaces the whole function of that
 * name (a hook, e.g. `dy_at`) with the given WGSL.
 */
export type Variant = Record<string, number | string>;

export interface BindingDecl {
  name: string;
  slot: number;
  uniform: boolean;
}

export interface Kernel {
  /** The WGSL after the variant is applied: what is compiled. */
  code: string;
  entry: string;
  variant: Variant;
  /** The bindings the entry uses, by name. */
  bindings: ReadonlyMap<string, BindingDecl>;
  /** Every binding name the WGSL declares (any entry). */
  declared: ReadonlySet<string>;
  /** Threads per workgroup, from the entry's @workgroup_size (literals). */
  workgroupSize: number;
  /** Bytes of the var<workgroup> the entry uses (itself or through the functions it calls). */
  workgroupStorage: number;
  /** Identifies (code, entry) for the pipeline cache and the precompile list. */
  key: string;
}

const cache = new Map<string, Kernel>();

/** The kernel `entry` of `source` with `variant` applied (cached: the same inputs give the same object). */
export function kernel(source: string, entry: string, variant: Variant = {}): Kernel {
  const vkey = JSON.stringify(Object.entries(variant).sort(([a], [b]) => (a < b ? -1 : 1)));
  const key = `${source.length}:${hash(source)}:${entry}:${vkey}`;
  let k = cache.get(key);
  if (!k) {
    const code = applyVariant(source, entry, variant);
    const { bindings, declared, workgroupStorage } = entryBindings(code, entry);
    k = {
      code,
      entry,
      variant: { ...variant },
      bindings,
      declared,
      workgroupSize: workgroupSize(code, entry),
      workgroupStorage,
      key: `${code.length}:${hash(code)}:${entry}`,
    };
    cache.set(key, k);
  }
  return k;
}

function applyVariant(source: string, entry: string, variant: Variant): string {
  let code = source;
  for (const [name, value] of Object.entries(variant)) {
    if (typeof value === 'number') {
      const re = new RegExp(`const\\s+${name}\\s*(:\\s*\\w+\\s*)?=\\s*([-0-9.eE]+)([uif]?)\\s*;`);
      const m = re.exec(code);
      if (!m) throw new Error(`kernel ${entry}: variant ${name}: no \`const ${name} = …;\` in its WGSL`);
      code =
        code.slice(0, m.index) + `const ${name}${m[1] ? `: ${m[1].replace(/^:\s*/, '').trim()} ` : ' '}= ${value}${m[3]};` + code.slice(m.index + m[0].length);
    } else {
      const f = findFunction(code, name);
      if (!f) throw new Error(`kernel ${entry}: variant ${name}: no function \`${name}\` in its WGSL`);
      code = code.slice(0, f.start) + value + code.slice(f.end);
    }
  }
  return code;
}

/** Comments removed (line and block), so names in them are not mistaken for uses. */
function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

/** The span of `fn name(…) … { … }` (start of `fn` or its attributes to the closing brace). */
function findFunction(code: string, name: string): { start: number; bodyStart: number; end: number } | null {
  const m = new RegExp(`\\bfn\\s+${name}\\s*\\(`).exec(code);
  if (!m) return null;
  const open = code.indexOf('{', m.index);
  if (open < 0) return null;
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{') depth++;
    else if (code[i] === '}' && --depth === 0) return { start: m.index, bodyStart: open, end: i + 1 };
  }
  return null;
}

const DECL = /@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var(<[^>]*>)?\s+(\w+)/g;

function entryBindings(code: string, entry: string): { bindings: Map<string, BindingDecl>; declared: Set<string>; workgroupStorage: number } {
  const src = stripComments(code);
  const decls = new Map<string, BindingDecl>();
  for (const m of src.matchAll(DECL)) decls.set(m[3], { name: m[3], slot: Number(m[1]), uniform: (m[2] ?? '').includes('uniform') });
  // var<workgroup> name: type; (the type up to the `;`)
  const shared = new Map([...src.matchAll(/var<workgroup>\s+(\w+)\s*:\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()] as const));
  const fns = new Set([...src.matchAll(/\bfn\s+(\w+)\s*\(/g)].map((m) => m[1]));
  if (!fns.has(entry)) throw new Error(`kernel ${entry}: no function \`${entry}\` in its WGSL`);
  // Identifiers of the entry and every function it calls, transitively (member names after '.' excluded).
  const used = new Set<string>();
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = findFunction(src, todo.pop()!);
    if (!f) continue;
    const body = src.slice(f.start, f.end);
    // Parameters and locals shadow module-scope names (common.wgsl's `fn finite(v: f32)`).
    const params = src.slice(f.start, f.bodyStart);
    const local = new Set([
      ...[...params.matchAll(/([A-Za-z_]\w*)\s*:/g)].map((m) => m[1]),
      ...[...body.matchAll(/\b(?:let|var|const)\s+([A-Za-z_]\w*)/g)].map((m) => m[1]),
    ]);
    for (const m of body.matchAll(/(?<![.\w])([A-Za-z_]\w*)/g)) {
      const id = m[1];
      if ((decls.has(id) || shared.has(id)) && !local.has(id)) used.add(id);
      if (fns.has(id) && !seen.has(id)) {
        seen.add(id);
        todo.push(id);
      }
    }
  }
  const bindings = new Map<string, BindingDecl>();
  for (const name of used) if (decls.has(name)) bindings.set(name, decls.get(name)!);
  let workgroupStorage = 0;
  for (const [name, type] of shared) if (used.has(name)) workgroupStorage += typeBytes(type, src);
  return { bindings, declared: new Set(decls.keys()), workgroupStorage };
}

/**
 * Check `bind`'s names against what the kernel's entry uses: a used binding missing, a name the
 * entry does not use, or one its WGSL does not declare, is an error naming the kernel and the binding.
 */
export function checkBindings(k: Kernel, names: Iterable<string>, label = k.entry): void {
  const given = new Set(names);
  for (const name of given) {
    if (!k.declared.has(name)) throw new Error(`kernel ${label}: its WGSL declares no binding '${name}'`);
    if (!k.bindings.has(name)) throw new Error(`kernel ${label}: binding '${name}' is not used by its entry ${k.entry}`);
  }
  for (const [name, d] of k.bindings)
    if (!given.has(name)) throw new Error(`kernel ${label}: binding '${name}' (@binding(${d.slot})) is used by ${k.entry} but not given`);
}

/**
 * Threads per workgroup of `entry`, from its `@workgroup_size(x[, y[, z]])`: literals, or names of
 * module constants (`const WG = 64u;`, so that a variant can set it).
 */
export function workgroupSize(code: string, entry: string): number {
  const m = new RegExp(`@workgroup_size\\(([^)]*)\\)\\s*fn\\s+${entry}\\s*\\(`).exec(code);
  const value = (v: string) => {
    const c = /^[A-Za-z_]\w*$/.test(v) ? new RegExp(`const\\s+${v}\\s*(?::\\s*\\w+\\s*)?=\\s*(\\d+)u?\\s*;`).exec(code) : null;
    return Number(c ? c[1] : v.replace(/u$/, ''));
  };
  return m ? m[1].split(',').reduce((p, v) => p * value(v.trim()), 1) : NaN;
}

export function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Bytes of a WGSL type of workgroup storage: scalars, vectors and (nested) arrays with constant sizes. */
export function typeBytes(type: string, code: string): number {
  const t = type.replace(/\s+/g, '');
  const arr = /^array<(.+),([^,<>]+)>$/.exec(t);
  if (arr) return typeBytes(arr[1], code) * constValue(arr[2], code);
  const vec = /^vec([234])(?:<(?:f32|u32|i32)>|[fiu])$/.exec(t);
  if (vec) return 4 * (vec[1] === '3' ? 4 : Number(vec[1]));
  if (['f32', 'u32', 'i32'].includes(t)) return 4;
  throw new Error(`workgroup storage: type ${type} is not one this size rule knows`);
}

/** The value of a constant integer expression of literals, module `const`s, + − * / and parentheses. */
function constValue(expr: string, code: string, depth = 0): number {
  if (depth > 16) throw new Error(`workgroup storage: ${expr} is too deeply nested`);
  const text = expr.replace(/\b(\d+)[uif]\b/g, '$1').replace(/\b[A-Za-z_]\w*\b/g, (name) => {
    const m = new RegExp(`const\\s+${name}\\s*(?::\\s*\\w+\\s*)?=\\s*([^;]+);`).exec(code);
    if (!m) throw new Error(`workgroup storage: no \`const ${name}\` for ${expr}`);
    return `(${constValue(m[1], code, depth + 1)})`;
  });
  const tokens = text.match(/\d+|[-+*/()]|\S/g) ?? [];
  let i = 0;
  // expr := term (('+' | '-') term)*; term := atom (('*' | '/') atom)*; atom := integer | '(' expr ')'
  const atom = (): number => {
    const t = tokens[i++];
    if (t === '(') {
      const v = sum();
      if (tokens[i++] !== ')') throw new Error(`workgroup storage: ${expr}: unbalanced parentheses`);
      return v;
    }
    if (t === undefined || !/^\d+$/.test(t)) throw new Error(`workgroup storage: ${expr} is not a constant integer expression`);
    return Number(t);
  };
  const product = (): number => {
    let v = atom();
    while (tokens[i] === '*' || tokens[i] === '/') v = tokens[i++] === '*' ? v * atom() : Math.trunc(v / atom());
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (tokens[i] === '+' || tokens[i] === '-') v = tokens[i++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (i !== tokens.length) throw new Error(`workgroup storage: ${expr} is not a constant integer expression`);
  return v;
}
