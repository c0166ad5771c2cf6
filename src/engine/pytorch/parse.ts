// Paste PyTorch: a model.py (or one nn.Sequential(...) expression) read into our spec. A small,
// strict reader of the course's subset, not a Python interpreter:
//   - nn.Sequential(...) alone, or assigned to a name;
//   - class Net(nn.Module): __init__ assigns modules (nn.X(...) or nn.Sequential(...)) to self,
//     forward passes its one tensor through them in order, with F.relu / F.max_pool2d / … between,
//     view(-1, N) / flatten and F.log_softmax(x, dim=1) at the end;
//   - class Net(nn.Sequential) whose __init__ passes the layers to super().__init__ (what Copy writes
//     for a model without module names).
// Module names are kept as layer names, so the weights export under the pasted Net's state_dict
// names. Anything else stops with the line, the column and the construct; nothing is returned.
import { parseSpec, SpecError, type LayerSpec } from '../spec';
import { numel, shapeStr, type Shape } from '../tensor';
import { FUNCTIONS, MODULES } from './api';
import { dotted, ExprReader, lines, PasteError, show, type Expr, type Line, type Loc } from './syntax';

export { PasteError } from './syntax';

type Value = number | string | boolean | null | Value[];

interface Module {
  layers: LayerSpec[];
  locs: Loc[];
  loc: Loc;
  used: boolean;
}

const STATEMENTS: Record<string, string> = {
  for: 'for loop',
  while: 'while loop',
  if: 'if statement',
  with: 'with statement',
  try: 'try statement',
  del: 'del statement',
  global: 'global statement',
  nonlocal: 'nonlocal statement',
  assert: 'assert statement',
  raise: 'raise statement',
  pass: 'pass statement',
  lambda: 'lambda',
  async: 'async',
  '@': 'decorator',
  print: 'print call',
};

class Reader {
  /** Local name → what it means ("torch.nn", "torch.nn.functional.relu"). */
  aliases = new Map<string, string>([
    ['nn', 'torch.nn'],
    ['F', 'torch.nn.functional'],
    ['torch', 'torch'],
  ]);
  constants = new Map<string, Value>();
  layers: LayerSpec[] = [];
  locs: Loc[] = [];
  views: { layer: number; perImage: number | null; loc: Loc }[] = [];
  modules = new Map<string, Module>();
  model: Loc | null = null;

  resolve(e: Expr): string | null {
    const d = dotted(e);
    if (d === null) return null;
    const [head, ...rest] = d.split('.');
    const a = this.aliases.get(head);
    return a === undefined ? null : [a, ...rest].join('.');
  }

  literal(e: Expr, what: string): Value {
    if (e.k === 'num' || e.k === 'str') return e.value;
    if (e.k === 'unary' && e.op === '-' && e.arg.k === 'num') return -e.arg.value;
    if (e.k === 'name') {
      if (e.id === 'True' || e.id === 'False') return e.id === 'True';
      if (e.id === 'None') return null;
      const c = this.constants.get(e.id);
      if (c !== undefined) return c;
      throw new PasteError(e, e.id, `${what} must be a literal value (a number, True/False/None, a string or a tuple), or a name assigned one before`);
    }
    if (e.k === 'tuple' || e.k === 'list') return e.items.map((x) => this.literal(x, what));
    throw new PasteError(e, show(e), `${what} must be a literal value (a number, True/False/None, a string or a tuple)`);
  }

  /** Call arguments → {name: value} by PyTorch's positional order; unknown or surplus ones refused. */
  args(call: Expr & { k: 'call' }, params: string[], what: string, skip = 0): Record<string, Value> {
    const out: Record<string, Value> = {};
    const pos = call.args.slice(skip);
    if (pos.length > params.length)
      throw new PasteError(
        pos[params.length],
        `argument ${params.length + skip + 1} of ${what}`,
        `${what} takes ${params.length ? `at most ${params.length}: ${params.join(', ')}` : 'no arguments'}`,
      );
    pos.forEach((a, i) => (out[params[i]] = this.literal(a, `argument ${params[i]} of ${what}`)));
    for (const kw of call.kwargs) {
      if (!params.includes(kw.name))
        throw new PasteError(kw.loc, `keyword "${kw.name}" of ${what}`, `unknown; it takes ${params.join(', ') || 'no arguments'}`);
      if (kw.name in out) throw new PasteError(kw.loc, `keyword "${kw.name}" of ${what}`, 'also given by position');
      out[kw.name] = kw.name === 'training' ? this.training(kw.value) : this.literal(kw.value, `argument ${kw.name} of ${what}`);
    }
    return out;
  }

  training(e: Expr): boolean {
    if (dotted(e) !== 'self.training')
      throw new PasteError(e, `training=${show(e)}`, 'F.dropout needs training=self.training (otherwise it drops in evaluation too)');
    return true;
  }

  /** nn.X(...) or nn.Sequential(...) in __init__, its layers named under `name`. */
  module(e: Expr, name: string | null): { layers: LayerSpec[]; locs: Loc[] } {
    if (e.k !== 'call') throw new PasteError(e, show(e), 'expected a layer such as nn.Conv2d(...) or nn.Sequential(...)');
    const path = this.resolve(e.fn);
    const what = show(e.fn);
    if (path === 'torch.nn.Sequential') return this.sequential(e, name);
    const type = path?.startsWith('torch.nn.') ? path.slice(9) : null;
    if (type === null || !(type in MODULES))
      throw new PasteError(
        e,
        what,
        type === null || type.includes('.')
          ? `unknown function; a layer is one of nn.${Object.keys(MODULES).join(', nn.')}`
          : `unknown layer; supported: nn.${Object.keys(MODULES).join(', nn.')}`,
      );
    const layer: LayerSpec = { type, ...(name === null ? {} : { name }), ...this.args(e, MODULES[type], what) };
    return { layers: [layer], locs: [e] };
  }

  /** The layers passed to nn.Sequential(…) (or to an nn.Sequential subclass's super().__init__). */
  sequential(e: Expr & { k: 'call' }, name: string | null): { layers: LayerSpec[]; locs: Loc[] } {
    if (e.kwargs.length) throw new PasteError(e.kwargs[0].loc, `keyword "${e.kwargs[0].name}" of nn.Sequential`, 'nn.Sequential takes its layers by position');
    if (!e.args.length) throw new PasteError(e, 'nn.Sequential()', 'an empty nn.Sequential has no layers');
    const layers: LayerSpec[] = [];
    const locs: Loc[] = [];
    e.args.forEach((a, i) => {
      if (name === null && a.k === 'call' && this.resolve(a.fn) === 'torch.nn.Sequential')
        throw new PasteError(
          a,
          'nested nn.Sequential',
          'inside a bare nn.Sequential its weights would be named "0.0.weight"; write the model as a class Net with named blocks',
        );
      const m = this.module(a, name === null ? null : `${name}.${i}`);
      layers.push(...m.layers);
      locs.push(...m.locs);
    });
    return { layers, locs };
  }

  /** A forward expression: the layers it applies to `v`, innermost first, appended in order. */
  flow(e: Expr, v: string): void {
    if (e.k === 'name') {
      if (e.id !== v)
        throw new PasteError(e, e.id, `forward passes one tensor, ${v}, through the layers; another tensor (a skip connection?) is not supported`);
      return;
    }
    if (e.k === 'binary')
      throw new PasteError(
        e,
        `${show(e)}`,
        `binary operator "${e.op}" is not supported (a skip connection?); forward passes one tensor through the layers in order`,
      );
    if (e.k !== 'call') throw new PasteError(e, show(e), `expected a layer applied to ${v}`);
    const fn = dotted(e.fn);
    // self.block(x): a module from __init__.
    if (fn !== null && /^self\.[A-Za-z_][A-Za-z0-9_]*$/.test(fn)) {
      const name = fn.slice(5);
      const m = this.modules.get(name);
      if (!m) throw new PasteError(e, fn, '__init__ does not assign it');
      if (e.args.length !== 1 || e.kwargs.length) throw new PasteError(e, `${fn}(…)`, `a module is called with the one tensor, ${fn}(${v})`);
      if (m.used) throw new PasteError(e, fn, 'called a second time; a module used twice shares its weights, which is not supported');
      this.flow(e.args[0], v);
      m.used = true;
      this.layers.push(...m.layers);
      this.locs.push(...m.locs);
      return;
    }
    const path = this.resolve(e.fn);
    const f = path === null ? undefined : FUNCTIONS[path];
    if (f) {
      const input = e.args[0];
      if (!input) throw new PasteError(e, `${fn}(…)`, `its first argument must be the tensor ${v}`);
      this.flow(input, v);
      const a = this.args(e, f.params, fn!, 1);
      const layer: LayerSpec = { type: f.type };
      if (f.type === 'ReLU') {
        // inplace changes nothing in the values (S5's F.relu(x, 2) passes 2 as inplace).
      } else if (f.type === 'Dropout' || f.type === 'Dropout2d') {
        if (a.training !== true) throw new PasteError(e, `${fn}(…)`, `${fn} needs training=self.training (otherwise it drops in evaluation too)`);
        if (a.p !== undefined) layer.p = a.p;
        if (a.inplace !== undefined) layer.inplace = a.inplace;
      } else if (f.type === 'Flatten') {
        if (a.start_dim !== 1)
          throw new PasteError(
            e,
            `${fn}(…)`,
            `start_dim must be 1 (torch.flatten(${v}, 1)); flattening from dimension ${JSON.stringify(a.start_dim ?? 0)} takes in the batch`,
          );
        if (a.end_dim !== undefined && a.end_dim !== -1) throw new PasteError(e, `${fn}(…)`, 'end_dim must be -1');
      } else if (f.type === 'LogSoftmax') {
        if (a.dim === undefined) throw new PasteError(e, `${fn}(…)`, 'needs dim=1 (or dim=-1): the class dimension');
        layer.dim = a.dim;
      } else Object.assign(layer, a);
      this.layers.push(layer);
      this.locs.push(e);
      return;
    }
    // Tensor methods: x.view(-1, N), x.view(x.size(0), -1), x.reshape(…), x.flatten(1).
    if (e.fn.k === 'attr' && ['view', 'reshape', 'flatten'].includes(e.fn.name) && (path === null || e.fn.obj.k === 'call')) {
      const method = e.fn.name;
      this.flow(e.fn.obj, v);
      const num = (x: Expr | undefined) =>
        x === undefined ? undefined : x.k === 'num' ? x.value : x.k === 'unary' && x.op === '-' && x.arg.k === 'num' ? -x.arg.value : undefined;
      const batch = (x: Expr | undefined) =>
        x?.k === 'call' &&
        x.fn.k === 'attr' &&
        x.fn.name === 'size' &&
        dotted(x.fn.obj) === v &&
        x.args.length === 1 &&
        num(x.args[0]) === 0 &&
        !x.kwargs.length;
      const [a0, a1] = e.args;
      let perImage: number | null = null;
      if (method === 'flatten') {
        if (e.args.length !== 1 || num(a0) !== 1 || e.kwargs.length)
          throw new PasteError(e, `${v}.flatten(…)`, `write ${v}.flatten(1): flattening from dimension 0 takes in the batch`);
      } else if (e.kwargs.length || e.args.length !== 2)
        throw new PasteError(e, `${v}.${method}(…)`, `only ${v}.${method}(-1, N) and ${v}.${method}(${v}.size(0), -1) are supported`);
      else if (num(a0) === -1 && Number.isInteger(num(a1)) && num(a1)! > 0) perImage = num(a1)!;
      else if (!(batch(a0) && num(a1) === -1))
        throw new PasteError(e, `${v}.${method}(…)`, `only ${v}.${method}(-1, N) and ${v}.${method}(${v}.size(0), -1) are supported`);
      this.views.push({ layer: this.layers.length, perImage, loc: e });
      this.layers.push({ type: 'Flatten' });
      this.locs.push(e);
      return;
    }
    throw new PasteError(
      e,
      fn ?? show(e),
      `unknown function in forward; supported: self.<module>(${v}), ${Object.keys(FUNCTIONS).join(', ')}, ${v}.view(-1, N), ${v}.flatten(1)`,
    );
  }
}

/** The construct a statement starts with, when it is one we refuse by name. */
function refuseStatement(l: Line): void {
  const t = l.toks[0];
  const c = STATEMENTS[t.text];
  if (c && (t.kind === 'name' || t.text === '@')) throw new PasteError(t, c, 'not supported in a model definition');
}

/** The lines of a block: those after `start` indented deeper than `indent`. */
function block(ls: Line[], start: number, indent: number): Line[] {
  let j = start;
  while (j < ls.length && ls[j].indent > indent) j++;
  return ls.slice(start, j);
}

const isDocstring = (l: Line) => l.toks.length === 1 && l.toks[0].kind === 'str';

function header(l: Line, keyword: string): ExprReader {
  const r = new ExprReader(l.toks);
  r.expect(keyword, '');
  return r;
}

/** `def NAME(self[, x]):` → [name, tensor parameter]. */
function readDef(l: Line): { name: string; param: string | null; extra: string | undefined; loc: Loc } {
  const r = header(l, 'def');
  const n = l.toks[1];
  r.pos = 2;
  r.expect('(', `after def ${n?.text}`);
  const params: string[] = [];
  while (!r.peek(')')) {
    const t = l.toks[r.pos];
    if (t?.kind !== 'name') throw new PasteError(r.at(), `parameter of ${n.text}`, 'expected a plain name');
    params.push(t.text);
    r.pos++;
    if (r.peek(':') || r.peek('=')) throw new PasteError(r.at(), `parameter ${t.text} of ${n.text}`, 'annotations and defaults are not supported');
    if (!r.peek(',')) break;
    r.pos++;
  }
  r.expect(')', `to close def ${n.text}(`);
  if (r.peek('->')) throw new PasteError(r.at(), `return annotation of ${n.text}`, 'not supported');
  r.expect(':', `after def ${n.text}(…)`);
  if (!r.done()) throw new PasteError(r.at(), `body of ${n.text} on its def line`, 'put the body on the lines below');
  if (params[0] !== 'self') throw new PasteError(n, `def ${n.text}`, 'its first parameter must be self');
  return { name: n.text, param: params[1] ?? null, extra: params[2], loc: n };
}

/** Reads `TARGET = EXPR`, `return EXPR` or `EXPR` from a logical line. */
function statement(l: Line): { target: Expr | null; ret: boolean; value: Expr } {
  const r = new ExprReader(l.toks);
  const ret = Boolean(r.peek('return'));
  if (ret) r.pos++;
  let target: Expr | null = null;
  let value = r.expr();
  if (!ret && r.peek('=')) {
    r.pos++;
    target = value;
    value = r.expr();
  }
  if (!r.done()) {
    const t = l.toks[r.pos];
    throw new PasteError(
      t,
      `"${t.text}"`,
      t.text === ','
        ? 'several values in one statement are not supported'
        : t.text === '='
          ? 'chained assignment is not supported'
          : /=$/.test(t.text)
            ? 'augmented assignment is not supported'
            : 'unexpected here',
    );
  }
  return { target, ret, value };
}

function isSuperInit(e: Expr, cls: string): boolean {
  if (e.k !== 'call' || e.fn.k !== 'attr' || e.fn.name !== '__init__' || e.fn.obj.k !== 'call') return false;
  const s = e.fn.obj;
  if (dotted(s.fn) !== 'super' || s.kwargs.length) return false;
  return s.args.length === 0 || (s.args.length === 2 && dotted(s.args[0]) === cls && dotted(s.args[1]) === 'self');
}

function readImport(r: Reader, l: Line): void {
  const toks = l.toks;
  const name = (i: number) => (toks[i]?.kind === 'name' ? toks[i].text : null);
  // A dotted module path starting at i → [path, next index].
  const path = (i: number): [string, number] => {
    const parts: string[] = [];
    for (;;) {
      const n = name(i);
      if (n === null) throw new PasteError(toks[i] ?? toks[i - 1], 'import', 'expected a module name');
      parts.push(n);
      i++;
      if (toks[i]?.text !== '.') return [parts.join('.'), i];
      i++;
    }
  };
  const names = (i: number, each: (n: string, as: string) => void) => {
    if (toks[i]?.text === '(') throw new PasteError(toks[i], 'import list in parentheses', 'not supported; write the names on one line');
    for (;;) {
      if (toks[i]?.text === '*') throw new PasteError(toks[i], 'star import', 'the names it binds are unknown here; write import torch.nn as nn');
      const [n, j] = path(i);
      i = j;
      let as = n.split('.')[0];
      if (name(i) === 'as') {
        as = name(i + 1) ?? '';
        if (!as) throw new PasteError(toks[i], 'import … as', 'expected a name after "as"');
        i += 2;
      }
      each(n, as);
      if (i >= toks.length) return;
      if (toks[i].text !== ',') throw new PasteError(toks[i], `"${toks[i].text}"`, 'unexpected in an import');
      i++;
    }
  };
  if (toks[0].text === 'import') names(1, (n, as) => r.aliases.set(as, as === n.split('.')[0] ? as : n));
  else {
    const [mod, i] = path(1);
    if (name(i) !== 'import') throw new PasteError(toks[i] ?? toks[i - 1], 'from … import', 'expected "import"');
    names(i + 1, (n, as) => r.aliases.set(as === n ? n : as, `${mod}.${n}`));
  }
}

function readClass(r: Reader, head: Line, body: Line[]): void {
  const h = header(head, 'class');
  const cls = head.toks[1];
  if (cls?.kind !== 'name') throw new PasteError(head.toks[0], 'class', 'expected a class name');
  h.pos = 2;
  h.expect('(', `after class ${cls.text}`);
  const baseExpr = h.expr();
  const base = r.resolve(baseExpr);
  h.expect(')', `after the base class of ${cls.text} (one base: nn.Module)`);
  h.expect(':', `after class ${cls.text}(…)`);
  if (base !== 'torch.nn.Module' && base !== 'torch.nn.Sequential')
    throw new PasteError(baseExpr, `base class ${show(baseExpr)}`, 'a model is a subclass of nn.Module (or nn.Sequential)');
  const methods = new Map<string, { def: ReturnType<typeof readDef>; body: Line[] }>();
  for (let i = 0; i < body.length;) {
    const l = body[i];
    if (l.indent !== body[0].indent) throw new PasteError(l.toks[0], 'indentation', 'does not match the class body');
    if (isDocstring(l)) {
      i++;
      continue;
    }
    refuseStatement(l);
    if (l.toks[0].text !== 'def')
      throw new PasteError(l.toks[0], `"${l.toks[0].text}" in class ${cls.text}`, 'a class body holds only def __init__ and def forward');
    const def = readDef(l);
    const b = block(body, i + 1, l.indent);
    if (!b.length) throw new PasteError(def.loc, `def ${def.name}`, 'it has no body');
    if (def.name !== '__init__' && def.name !== 'forward') throw new PasteError(def.loc, `def ${def.name}`, 'a Net here has only __init__ and forward');
    if (methods.has(def.name)) throw new PasteError(def.loc, `def ${def.name}`, 'defined twice');
    methods.set(def.name, { def, body: b });
    i += 1 + b.length;
  }
  const init = methods.get('__init__');
  if (!init) throw new PasteError(cls, `class ${cls.text}`, 'it has no __init__');
  if (init.def.param !== null) throw new PasteError(init.def.loc, 'def __init__', 'it takes only self');
  const fwd = methods.get('forward');
  const lines = (b: Line[], each: (s: ReturnType<typeof statement>, l: Line) => void) => {
    for (const l of b) {
      if (l.indent !== b[0].indent) throw new PasteError(l.toks[0], 'indentation', 'nested blocks are not supported');
      if (isDocstring(l)) continue;
      refuseStatement(l);
      each(statement(l), l);
    }
  };
  if (base === 'torch.nn.Sequential') {
    if (fwd) throw new PasteError(fwd.def.loc, 'def forward', 'an nn.Sequential subclass runs its layers in order; a forward of its own is not supported');
    let called = false;
    lines(init.body, (s, l) => {
      if (s.target || s.ret || !isSuperInit(s.value, cls.text))
        throw new PasteError(l.toks[0], show(s.value), `__init__ of an nn.Sequential subclass only passes its layers to super().__init__(…)`);
      if (called) throw new PasteError(l.toks[0], 'super().__init__', 'called twice');
      const m = r.sequential(s.value as Expr & { k: 'call' }, null);
      r.layers.push(...m.layers);
      r.locs.push(...m.locs);
      called = true;
    });
    if (!called) throw new PasteError(init.def.loc, 'def __init__', 'it does not call super().__init__(…) with the layers');
    return;
  }
  let superCalled = false;
  lines(init.body, (s, l) => {
    if (s.ret) throw new PasteError(l.toks[0], 'return in __init__', 'not supported');
    if (!s.target) {
      if (isSuperInit(s.value, cls.text) && s.value.k === 'call' && !s.value.args.length) superCalled = true;
      else throw new PasteError(s.value, show(s.value), 'in __init__ only super().__init__() and assignments of modules to self are supported');
      return;
    }
    const t = dotted(s.target);
    if (t !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return void r.constants.set(t, r.literal(s.value, `the value of ${t}`));
    if (t === null || !/^self\.[A-Za-z_][A-Za-z0-9_]*$/.test(t)) throw new PasteError(s.target, show(s.target), 'only self.<name> = <module> is supported');
    const name = t.slice(5);
    if (!superCalled) throw new PasteError(s.target, t, 'assigned before super().__init__(); PyTorch refuses that');
    if (r.modules.has(name)) throw new PasteError(s.target, t, 'assigned twice');
    r.modules.set(name, { ...r.module(s.value, name), loc: s.target, used: false });
  });
  if (!superCalled) throw new PasteError(init.def.loc, 'def __init__', 'it does not call super().__init__()');
  if (!fwd) throw new PasteError(cls, `class ${cls.text}`, 'it has no forward');
  const v = fwd.def.param;
  if (v === null || fwd.def.extra !== undefined)
    throw new PasteError(fwd.def.loc, 'def forward', 'it takes self and the one input tensor, def forward(self, x)');
  let returned = false;
  lines(fwd.body, (s, l) => {
    if (returned) throw new PasteError(l.toks[0], 'code after return', 'it never runs');
    if (s.target && dotted(s.target) !== v)
      throw new PasteError(
        s.target,
        `assignment to ${show(s.target)}`,
        `forward passes one tensor, ${v}, through the layers; a second one (a skip connection?) is not supported`,
      );
    if (!s.target && !s.ret) throw new PasteError(s.value, show(s.value), `a statement in forward is ${v} = … or return …`);
    r.flow(s.value, v);
    returned = s.ret;
  });
  if (!returned) throw new PasteError(fwd.def.loc, 'def forward', 'it does not return the output');
  for (const [name, m] of r.modules)
    if (!m.used) throw new PasteError(m.loc, `self.${name}`, "assigned in __init__ but never called in forward; PyTorch's state_dict would hold its weights");
}

/**
 * model.py text → our spec (a list of layers, named as the pasted modules). Throws PasteError (line,
 * column, construct) for anything outside the subset, or for a spec whose shapes do not chain.
 */
export function pastePyTorch(text: string, inShape: Shape = [1, 28, 28]): LayerSpec[] {
  const r = new Reader();
  const ls = lines(text);
  if (!ls.length) throw new PasteError({ line: 1, col: 1 }, 'empty text', 'paste a class Net(nn.Module) or an nn.Sequential(...)');
  const base = ls[0].indent;
  const take = (at: Loc) => {
    if (r.model) throw new PasteError(at, 'a second model', `one model per paste; the first starts at line ${r.model.line}`);
    r.model = at;
  };
  for (let i = 0; i < ls.length;) {
    const l = ls[i];
    const t = l.toks[0];
    if (l.indent !== base) throw new PasteError(t, 'indentation', 'unexpected indent');
    refuseStatement(l);
    if (t.text === 'import' || t.text === 'from') {
      readImport(r, l);
      i++;
    } else if (t.text === 'class') {
      const body = block(ls, i + 1, l.indent);
      if (!body.length) throw new PasteError(t, 'class', 'it has no body');
      take(t);
      readClass(r, l, body);
      i += 1 + body.length;
    } else if (t.text === 'def') throw new PasteError(t, 'function definition', 'outside a class Net it is not supported');
    else if (isDocstring(l)) i++;
    else {
      const s = statement(l);
      const name = s.target ? dotted(s.target) : null;
      if (s.ret) throw new PasteError(t, 'return', 'outside a function');
      if (s.target && (name === null || name.includes('.'))) throw new PasteError(s.target, show(s.target), 'only a plain name can be assigned here');
      if (s.value.k === 'call' && r.resolve(s.value.fn) === 'torch.nn.Sequential') {
        take(s.value);
        const m = r.module(s.value, null);
        r.layers.push(...m.layers);
        r.locs.push(...m.locs);
      } else if (name !== null) r.constants.set(name, r.literal(s.value, `the value of ${name}`));
      else throw new PasteError(s.value, show(s.value), 'expected class Net(nn.Module), nn.Sequential(...), an import or a constant');
      i++;
    }
  }
  if (!r.model) throw new PasteError(ls[0].toks[0], 'no model', 'paste a class Net(nn.Module) or an nn.Sequential(...)');
  let infos;
  try {
    infos = parseSpec(r.layers, inShape);
  } catch (e) {
    const m = e instanceof SpecError ? /^layer (\d+)/.exec(e.message) : null;
    if (!m) throw e;
    const i = Number(m[1]);
    const loc = r.locs[i];
    throw new PasteError(loc, r.layers[i].name === undefined ? r.layers[i].type : `nn.${r.layers[i].type}`, (e as SpecError).message);
  }
  for (const v of r.views) {
    const got = numel(infos[v.layer].inShape);
    if (v.perImage !== null && v.perImage !== got)
      throw new PasteError(
        v.loc,
        `view(-1, ${v.perImage})`,
        `the tensor here is ${shapeStr(infos[v.layer].inShape)} per image, ${got} values, not ${v.perImage}: view would mix images of the batch`,
      );
  }
  return r.layers;
}
