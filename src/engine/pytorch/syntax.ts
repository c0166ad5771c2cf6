// The Python syntax a model.py is read in: tokens with their line and column, logical lines
// (brackets and backslashes join physical lines), and expressions (names, attributes, calls,
// literals, tuples and lists, operators kept so that they can be refused by name). Not a Python
// parser: statements are recognised by parse.ts from each logical line's tokens.

export interface Loc {
  line: number;
  col: number;
}

export class PasteError extends Error {
  override name = 'PasteError';
  constructor(
    readonly loc: Loc,
    readonly construct: string,
    reason: string,
  ) {
    super(`line ${loc.line}, column ${loc.col}: ${construct}: ${reason}`);
  }
}

export type TokKind = 'name' | 'num' | 'str' | 'op';
export interface Tok extends Loc {
  kind: TokKind;
  text: string;
}

/** One logical line: its indentation (the column of its first token) and its tokens. */
export interface Line {
  indent: number;
  toks: Tok[];
}

const OPS = ['**=', '//=', '>>=', '<<=', '->', '**', '//', '==', '!=', '<=', '>=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', ':=', '<<', '>>'];

/** Text → logical lines. Comments and blank lines are dropped; tabs count as one column. */
export function lines(text: string): Line[] {
  const out: Line[] = [];
  let cur: Tok[] = [];
  const depth: Tok[] = [];
  let line = 1;
  let col = 1;
  let i = 0;
  const loc = () => ({ line, col });
  const advance = (n: number) => {
    for (let k = 0; k < n; k++, i++) {
      if (text[i] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
  };
  const end = () => {
    if (cur.length) out.push({ indent: cur[0].col, toks: cur });
    cur = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      if (!depth.length) end();
      advance(1);
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f') advance(1);
    else if (c === '#') while (i < text.length && text[i] !== '\n') advance(1);
    else if (c === '\\' && text[i + 1] === '\n') advance(2);
    else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))![0];
      // A string prefix (r'', f'', b'') is a name followed directly by a quote.
      if (/^[rRbBuUfF]{1,2}$/.test(m) && (text[i + m.length] === '"' || text[i + m.length] === "'"))
        throw new PasteError(loc(), `${m}-string`, 'string prefixes are not supported; a layer argument is a plain number, True/False/None or a plain string');
      cur.push({ kind: 'name', text: m, ...loc() });
      advance(m.length);
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(0[xXoObB][0-9a-fA-F_]+|([0-9][0-9_]*)?\.?[0-9_]*([eE][+-]?[0-9]+)?[jJ]?)/.exec(text.slice(i))![0];
      cur.push({ kind: 'num', text: m, ...loc() });
      advance(m.length);
    } else if (c === '"' || c === "'") {
      const q = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      const start = loc();
      let j = i + q.length;
      while (j < text.length && !text.startsWith(q, j)) {
        if (text[j] === '\\') j++;
        else if (text[j] === '\n' && q.length === 1) break;
        j++;
      }
      if (!text.startsWith(q, j)) throw new PasteError(start, 'string', 'it is not closed');
      cur.push({ kind: 'str', text: text.slice(i, j + q.length), ...start });
      advance(j + q.length - i);
    } else {
      const op = OPS.find((o) => text.startsWith(o, i)) ?? c;
      const t: Tok = { kind: 'op', text: op, ...loc() };
      if ('([{'.includes(op)) depth.push(t);
      else if (')]}'.includes(op)) {
        const open = depth.pop();
        if (!open || '([{'.indexOf(open.text) !== ')]}'.indexOf(op))
          throw new PasteError(t, `"${op}"`, open ? `it does not close "${open.text}" at line ${open.line}, column ${open.col}` : 'nothing is open here');
      }
      cur.push(t);
      advance(op.length);
    }
  }
  if (depth.length) {
    const open = depth[depth.length - 1];
    throw new PasteError(open, `"${open.text}"`, 'it is never closed');
  }
  end();
  return out;
}

export type Expr =
  | (Loc & { k: 'name'; id: string })
  | (Loc & { k: 'attr'; obj: Expr; name: string })
  | (Loc & { k: 'call'; fn: Expr; args: Expr[]; kwargs: { name: string; value: Expr; loc: Loc }[] })
  | (Loc & { k: 'num'; value: number; text: string })
  | (Loc & { k: 'str'; value: string })
  | (Loc & { k: 'tuple' | 'list'; items: Expr[] })
  | (Loc & { k: 'unary'; op: string; arg: Expr })
  | (Loc & { k: 'binary'; op: string; left: Expr; right: Expr })
  | (Loc & { k: 'index'; obj: Expr });

const BINARY = ['+', '-', '*', '/', '//', '%', '**', '@', '&', '|', '^', '<<', '>>', '==', '!=', '<', '>', '<=', '>='];
const WORD_CONSTRUCTS: Record<string, string> = {
  lambda: 'lambda',
  if: 'conditional expression',
  for: 'comprehension',
  and: 'boolean operator "and"',
  or: 'boolean operator "or"',
  not: 'boolean operator "not"',
  in: 'operator "in"',
  is: 'operator "is"',
  await: 'await',
  yield: 'yield',
};

/** Reads one expression from tokens[pos…]; `at()` says where it stopped. */
export class ExprReader {
  pos = 0;
  constructor(private readonly toks: Tok[]) {}

  peek(text?: string): Tok | undefined {
    const t = this.toks[this.pos];
    return text === undefined || t?.text === text ? t : undefined;
  }

  at(): Loc {
    const t = this.toks[this.pos] ?? this.toks[this.toks.length - 1];
    return this.toks[this.pos] ? t : { line: t.line, col: t.col + t.text.length };
  }

  expect(text: string, what: string): Tok {
    const t = this.toks[this.pos];
    if (t?.text !== text) throw new PasteError(this.at(), t ? `"${t.text}"` : 'end of line', `expected "${text}" ${what}`);
    this.pos++;
    return t;
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  expr(): Expr {
    let left = this.unary();
    for (let t = this.peek(); t; t = this.peek()) {
      if (t.kind === 'op' && BINARY.includes(t.text)) {
        this.pos++;
        left = { k: 'binary', op: t.text, left, right: this.unary(), line: left.line, col: left.col };
      } else if (t.kind === 'name' && t.text in WORD_CONSTRUCTS) throw new PasteError(t, WORD_CONSTRUCTS[t.text], 'not supported in a model definition');
      else break;
    }
    return left;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t && t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      this.pos++;
      return { k: 'unary', op: t.text, arg: this.unary(), line: t.line, col: t.col };
    }
    if (t && t.kind === 'name' && t.text in WORD_CONSTRUCTS) throw new PasteError(t, WORD_CONSTRUCTS[t.text], 'not supported in a model definition');
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.peek('.')) {
        this.pos++;
        const n = this.toks[this.pos];
        if (n?.kind !== 'name') throw new PasteError(this.at(), 'attribute', 'expected a name after "."');
        this.pos++;
        e = { k: 'attr', obj: e, name: n.text, line: e.line, col: e.col };
      } else if (this.peek('(')) {
        this.pos++;
        const args: Expr[] = [];
        const kwargs: { name: string; value: Expr; loc: Loc }[] = [];
        while (!this.peek(')')) {
          const t = this.toks[this.pos];
          if (t?.text === '*' || t?.text === '**') throw new PasteError(t, `${t.text}-unpacking`, 'not supported; write the arguments out');
          if (t?.kind === 'name' && this.toks[this.pos + 1]?.text === '=') {
            this.pos += 2;
            if (kwargs.some((k) => k.name === t.text)) throw new PasteError(t, `keyword "${t.text}"`, 'given twice');
            kwargs.push({ name: t.text, value: this.expr(), loc: t });
          } else {
            const a = this.expr();
            if (kwargs.length) throw new PasteError(a, 'positional argument', 'it follows a keyword argument');
            args.push(a);
          }
          if (!this.peek(',')) break;
          this.pos++;
        }
        this.expect(')', 'to close the call');
        e = { k: 'call', fn: e, args, kwargs, line: e.line, col: e.col };
      } else if (this.peek('[')) {
        const t = this.toks[this.pos];
        throw new PasteError(t, 'subscript', 'indexing and slicing are not supported');
      } else return e;
    }
  }

  private atom(): Expr {
    const t = this.toks[this.pos];
    if (!t) throw new PasteError(this.at(), 'end of line', 'expected an expression');
    this.pos++;
    if (t.kind === 'name') return { k: 'name', id: t.text, line: t.line, col: t.col };
    if (t.kind === 'num') {
      const v = Number(t.text.replace(/_/g, ''));
      if (!Number.isFinite(v) || /[jJ]$/.test(t.text)) throw new PasteError(t, `number ${t.text}`, 'not a real number');
      return { k: 'num', value: v, text: t.text, line: t.line, col: t.col };
    }
    if (t.kind === 'str') {
      const q = t.text.startsWith('"""') || t.text.startsWith("'''") ? 3 : 1;
      const body = t.text.slice(q, -q);
      if (body.includes('\\')) throw new PasteError(t, 'string', 'escape sequences are not supported');
      return { k: 'str', value: body, line: t.line, col: t.col };
    }
    if (t.text === '(' || t.text === '[') {
      const close = t.text === '(' ? ')' : ']';
      const items: Expr[] = [];
      let comma = false;
      while (!this.peek(close)) {
        items.push(this.expr());
        if (!this.peek(',')) break;
        this.pos++;
        comma = true;
      }
      this.expect(close, `to close "${t.text}" at line ${t.line}, column ${t.col}`);
      if (t.text === '(' && items.length === 1 && !comma) return items[0];
      return { k: t.text === '(' ? 'tuple' : 'list', items, line: t.line, col: t.col };
    }
    if (t.text === '{') throw new PasteError(t, 'dict or set', 'not supported in a model definition');
    throw new PasteError(t, `"${t.text}"`, 'expected an expression');
  }
}

/** `a.b.c` → "a.b.c"; anything else → null. */
export function dotted(e: Expr): string | null {
  if (e.k === 'name') return e.id;
  if (e.k === 'attr') {
    const o = dotted(e.obj);
    return o === null ? null : `${o}.${e.name}`;
  }
  return null;
}

/** How an expression reads in a message: dotted names and calls abbreviated. */
export function show(e: Expr): string {
  switch (e.k) {
    case 'name':
      return e.id;
    case 'attr':
      return `${show(e.obj)}.${e.name}`;
    case 'call':
      return `${show(e.fn)}(…)`;
    case 'num':
      return e.text;
    case 'str':
      return JSON.stringify(e.value);
    case 'tuple':
      return '(…)';
    case 'list':
      return '[…]';
    case 'unary':
      return `${e.op}${show(e.arg)}`;
    case 'binary':
      return `${show(e.left)} ${e.op} ${show(e.right)}`;
    case 'index':
      return `${show(e.obj)}[…]`;
  }
}
