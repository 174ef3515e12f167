// TSDL parser: tokens → a small AST. Semantic checks live in ../metadata*.ts.
import { Token, TsdlError, tokenize } from './lexer.js';
import { MAX_TYPE_NESTING } from './ast.js';
import type { Attr, BlockName, EnumEntry, Entry, Pos, TypeSpec, Value, Declarator } from './ast.js';

export { MAX_TYPE_NESTING } from './ast.js';
export type { Attr, BlockName, Declarator, EnumEntry, Entry, Pos, TypeSpec, Value } from './ast.js';

const BLOCKS = new Set<string>(['trace', 'env', 'clock', 'stream', 'event', 'callsite']);
const SPEC_KEYWORDS = new Set([
  'const', 'char', 'double', 'float', 'int', 'long', 'short', 'signed', 'unsigned', 'void', '_Bool', '_Complex', '_Imaginary',
]);

class Parser {
  private p = 0;
  /** type specs being parsed, one inside the other */
  private depth = 0;
  constructor(private readonly t: Token[]) {}

  private peek(o = 0): Token {
    return this.t[Math.min(this.p + o, this.t.length - 1)]!;
  }
  private next(): Token {
    const tok = this.t[this.p]!;
    if (tok.kind !== 'eof') this.p++;
    return tok;
  }
  private is(text: string, o = 0): boolean {
    const tok = this.peek(o);
    return (tok.kind === 'punct' || tok.kind === 'id') && tok.text === text;
  }
  private fail(tok: Token, what: string): never {
    const got = tok.kind === 'eof' ? 'end of metadata' : `"${tok.text}"`;
    throw new TsdlError(`syntax error: expected ${what}, got ${got}`, tok.line, tok.col);
  }
  private expect(text: string): Token {
    const tok = this.next();
    if (tok.text !== text || (tok.kind !== 'punct' && tok.kind !== 'id')) this.fail(tok, `"${text}"`);
    return tok;
  }
  private ident(): Token {
    const tok = this.next();
    if (tok.kind !== 'id') this.fail(tok, 'an identifier');
    return tok;
  }

  parseTop(): Entry[] {
    const out: Entry[] = [];
    while (this.peek().kind !== 'eof') {
      const tok = this.peek();
      if (tok.kind === 'id' && BLOCKS.has(tok.text) && this.is('{', 1)) {
        this.next();
        this.expect('{');
        const body = this.parseBody();
        this.expect('}');
        this.expect(';');
        out.push({ k: 'block', block: tok.text as BlockName, body, line: tok.line, col: tok.col });
        continue;
      }
      out.push(this.parseDeclaration());
    }
    return out;
  }

  /** entries until the closing brace (not consumed) */
  private parseBody(): Entry[] {
    const out: Entry[] = [];
    while (!this.is('}')) {
      if (this.peek().kind === 'eof') this.fail(this.peek(), '"}"');
      out.push(this.parseEntry());
    }
    return out;
  }

  private isAttrStart(): boolean {
    // key(.key)* ('=' | ':=')
    let o = 0;
    if (this.peek(o).kind !== 'id') return false;
    o++;
    while (this.is('.', o) && this.peek(o + 1).kind === 'id') o += 2;
    return this.is('=', o) || this.is(':=', o);
  }

  private parseEntry(): Entry {
    if (this.isAttrStart()) {
      const first = this.peek();
      let key = this.next().text;
      while (this.is('.')) {
        this.next();
        key += '.' + this.ident().text;
      }
      if (this.is(':=')) {
        this.next();
        const type = this.parseTypeSpec();
        const dims = this.parseDims();
        this.expect(';');
        return { k: 'typeassign', key, type, dims, line: first.line, col: first.col };
      }
      this.expect('=');
      const value = this.parseValue();
      this.expect(';');
      return { k: 'attr', key, value, line: first.line, col: first.col };
    }
    return this.parseDeclaration();
  }

  private parseDeclaration(): Entry {
    const first = this.peek();
    if (this.is('typealias')) {
      this.next();
      const type = this.parseTypeSpec();
      const dims = this.parseDims();
      this.expect(':=');
      const parts: string[] = [];
      while (!this.is(';')) {
        const tok = this.next();
        if (tok.kind !== 'id' && !(tok.kind === 'punct' && tok.text === '*')) this.fail(tok, 'a type name');
        parts.push(tok.text);
      }
      if (parts.length === 0) this.fail(this.peek(), 'an alias name');
      this.expect(';');
      return { k: 'typealias', type, dims, alias: parts.join(' '), line: first.line, col: first.col };
    }
    if (this.is('typedef')) {
      this.next();
      const type = this.parseTypeSpec();
      const decls = this.parseDeclarators();
      this.expect(';');
      return { k: 'typedef', type, decls, line: first.line, col: first.col };
    }
    const type = this.parseTypeSpec();
    if (this.is(';')) {
      this.next();
      return { k: 'typedecl', type, line: first.line, col: first.col };
    }
    const decls = this.parseDeclarators();
    this.expect(';');
    return { k: 'field', type, decls, line: first.line, col: first.col };
  }

  private parseDeclarators(): Declarator[] {
    const out: Declarator[] = [];
    for (;;) {
      const tok = this.ident();
      const dims = this.parseDims();
      out.push({ name: tok.text, dims, line: tok.line, col: tok.col });
      if (!this.is(',')) break;
      this.next();
    }
    return out;
  }

  private parseDims(): (bigint | string)[] {
    const dims: (bigint | string)[] = [];
    while (this.is('[')) {
      this.next();
      const tok = this.peek();
      if (tok.kind === 'int') {
        this.next();
        dims.push(tok.value!);
      } else if (tok.kind === 'id') {
        let path = this.next().text;
        while (this.is('.')) {
          this.next();
          path += '.' + this.ident().text;
        }
        dims.push(path);
      } else {
        this.fail(tok, 'an array length');
      }
      this.expect(']');
    }
    return dims;
  }

  private parseTypeSpec(): TypeSpec {
    if (this.depth >= MAX_TYPE_NESTING) {
      const tok = this.peek();
      throw new TsdlError(`types nested more than ${MAX_TYPE_NESTING} levels deep`, tok.line, tok.col);
    }
    this.depth++;
    const spec = this.typeSpec();
    this.depth--;
    return spec;
  }

  private typeSpec(): TypeSpec {
    const tok = this.peek();
    const pos = { line: tok.line, col: tok.col };
    if (tok.kind !== 'id') this.fail(tok, 'a type');
    switch (tok.text) {
      case 'integer':
      case 'floating_point': {
        this.next();
        this.expect('{');
        const attrs = this.parseAttrs();
        this.expect('}');
        return { k: tok.text, attrs, ...pos };
      }
      case 'string': {
        this.next();
        let attrs: Attr[] = [];
        if (this.is('{')) {
          this.next();
          attrs = this.parseAttrs();
          this.expect('}');
        }
        return { k: 'string', attrs, ...pos };
      }
      case 'struct':
        return this.structSpec(pos);
      case 'variant':
        return this.variantSpec(pos);
      case 'enum':
        return this.enumSpec(pos);
      default:
        return this.namedSpec(tok, pos);
    }
  }

  /** `{ entries }` when a body follows, else undefined */
  private optionalBody(): Entry[] | undefined {
    if (!this.is('{')) return undefined;
    this.next();
    const body = this.parseBody();
    this.expect('}');
    return body;
  }

  private structSpec(pos: Pos): TypeSpec {
    this.next();
    let name: string | undefined;
    if (this.peek().kind === 'id' && !this.is('align')) name = this.next().text;
    else if (this.peek().kind === 'id' && this.is('align') && !this.is('(', 1)) name = this.next().text;
    const body = this.optionalBody();
    let align: Value | undefined;
    if (this.is('align') && this.is('(', 1)) {
      this.next();
      this.next();
      align = this.parseValue();
      this.expect(')');
    }
    if (!name && !body) this.fail(this.peek(), 'a structure name or body');
    return { k: 'struct', name, body, align, ...pos };
  }

  private variantSpec(pos: Pos): TypeSpec {
    this.next();
    let name: string | undefined;
    let tag: string | undefined;
    if (this.peek().kind === 'id') name = this.next().text;
    if (this.is('<')) {
      this.next();
      tag = this.ident().text;
      while (this.is('.')) {
        this.next();
        tag += '.' + this.ident().text;
      }
      this.expect('>');
    }
    const body = this.optionalBody();
    if (!name && !body) this.fail(this.peek(), 'a variant name or body');
    return { k: 'variant', name, tag, body, ...pos };
  }

  private enumSpec(pos: Pos): TypeSpec {
    this.next();
    let name: string | undefined;
    if (this.peek().kind === 'id') name = this.next().text;
    let container: TypeSpec | undefined;
    if (this.is(':')) {
      this.next();
      container = this.parseTypeSpec();
    }
    let entries: EnumEntry[] | undefined;
    if (this.is('{')) {
      this.next();
      entries = [];
      while (!this.is('}')) {
        entries.push(this.enumEntry());
        if (this.is(',')) this.next();
        else if (!this.is('}')) this.fail(this.peek(), '"," or "}"');
      }
      this.next();
    }
    if (!name && !entries) this.fail(this.peek(), 'an enumeration name or body');
    return { k: 'enum', name, container, entries, ...pos };
  }

  private enumEntry(): EnumEntry {
    const lt = this.next();
    if (lt.kind !== 'id' && lt.kind !== 'str') this.fail(lt, 'an enumeration label');
    const e: EnumEntry = { label: lt.text, line: lt.line, col: lt.col };
    if (this.is('=')) {
      this.next();
      e.lo = this.parseValue();
      if (this.is('...')) {
        this.next();
        e.hi = this.parseValue();
      }
    }
    return e;
  }

  /**
   * A named type: C-like specifier keywords and/or one type name. When the
   * name is followed by a declarator identifier, the last identifier is the
   * declarator; in a typealias target everything is the name.
   */
  private namedSpec(tok: Token, pos: Pos): TypeSpec {
    const parts: string[] = [];
    while (this.peek().kind === 'id') {
      const t = this.peek();
      const nextTok = this.peek(1);
      if (SPEC_KEYWORDS.has(t.text)) {
        parts.push(this.next().text);
        continue;
      }
      // identifier: a type name if another identifier follows (the declarator)
      if (parts.length === 0 || !parts.some((x) => !SPEC_KEYWORDS.has(x))) {
        if (nextTok.kind === 'id' || parts.length === 0) {
          parts.push(this.next().text);
          continue;
        }
      }
      break;
    }
    if (parts.length === 0) this.fail(tok, 'a type');
    return { k: 'named', name: parts.join(' '), ...pos };
  }

  private parseAttrs(): Attr[] {
    const out: Attr[] = [];
    while (!this.is('}')) {
      const tok = this.ident();
      let key = tok.text;
      while (this.is('.')) {
        this.next();
        key += '.' + this.ident().text;
      }
      this.expect('=');
      const value = this.parseValue();
      this.expect(';');
      out.push({ key, value, line: tok.line, col: tok.col });
    }
    return out;
  }

  private parseValue(): Value {
    const tok = this.next();
    const pos = { line: tok.line, col: tok.col };
    if (tok.kind === 'int') return { k: 'int', v: tok.value!, ...pos };
    if (tok.kind === 'str' || tok.kind === 'char') return { k: 'str', v: tok.text, ...pos };
    if (tok.kind === 'punct' && (tok.text === '-' || tok.text === '+')) {
      const n = this.next();
      if (n.kind !== 'int') this.fail(n, 'an integer');
      return { k: 'int', v: tok.text === '-' ? -n.value! : n.value!, ...pos };
    }
    if (tok.kind === 'id') {
      let v = tok.text;
      while (this.is('.') && this.peek(1).kind === 'id') {
        this.next();
        v += '.' + this.next().text;
      }
      return { k: 'path', v, ...pos };
    }
    return this.fail(tok, 'a value');
  }
}

export function parseTsdl(text: string): Entry[] {
  return new Parser(tokenize(text)).parseTop();
}
