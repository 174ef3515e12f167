// Unit tests of the TSDL lexer, parser and metadata builder (src/ctf/tsdl/*, metadata.ts,
// metadata-file.ts) and of reading a metadata file (trace.ts readMetadataFile).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { tokenize, TsdlError } from '../../src/ctf/tsdl/lexer.js';
import { MAX_TYPE_NESTING, parseTsdl } from '../../src/ctf/tsdl/parser.js';
import { parseMetadata } from '../../src/ctf/metadata.js';
import { decodeMetadata, isPacketized, METADATA_HEADER_SIZE, METADATA_MAGIC, MetadataFileError } from '../../src/ctf/metadata-file.js';
import { readMetadataFile, TraceError } from '../../src/ctf/trace.js';
import type {
  ArrayType, EnumType, EventClass, FieldType, FloatType, IntegerType, SequenceType, StreamClass, StructType, TraceClass, VariantType,
} from '../../src/ctf/model.js';
import { SHARED, STACK_LINE, ensureBuilt, referenceMetadataTexts, tempDir, ttng } from '../helpers.js';

/* ------------------------------- helpers ------------------------------- */

const TRACE_LE = 'trace { major = 1; minor = 8; byte_order = le; };\n';
const TRACE_BE = 'trace { major = 1; minor = 8; byte_order = be; };\n';
const U8 = 'typealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n';
const U32 = 'typealias integer { size = 32; align = 8; signed = false; } := uint32_t;\n';

/** metadata with one event `e` whose payload is `struct { FIELDS }` */
function withPayload(fields: string, prelude = '', trace = TRACE_LE): TraceClass {
  return parseMetadata(`/* CTF 1.8 */\n${U8}${U32}${trace}${prelude}\nevent { name = e; fields := struct { ${fields} }; };\n`);
}

function onlyStream(tc: TraceClass): StreamClass {
  assert.equal(tc.streams.size, 1);
  return [...tc.streams.values()][0]!;
}

function onlyEvent(tc: TraceClass): EventClass {
  const sc = onlyStream(tc);
  assert.equal(sc.events.size, 1);
  return [...sc.events.values()][0]!;
}

function member(s: StructType | undefined, name: string): FieldType {
  assert.ok(s, 'no structure');
  const f = s.fields.find((x) => x.name === name);
  assert.ok(f, `no member "${name}" in { ${s.fields.map((x) => x.name).join(', ')} }`);
  return f.type;
}

function payloadField(tc: TraceClass, name: string): FieldType {
  return member(onlyEvent(tc).payload, name);
}

function asInt(t: FieldType): IntegerType {
  assert.equal(t.kind, 'int');
  return t as IntegerType;
}

function intField(tc: TraceClass, name: string): IntegerType {
  return asInt(payloadField(tc, name));
}

/** asserts that `fn` throws an error of class `cls` whose message matches `re`; returns it */
function throwsLike<E extends Error>(fn: () => unknown, cls: new (...a: never[]) => E, re: RegExp): E {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, 'did not throw');
  assert.ok(caught instanceof cls, `expected ${cls.name}, got ${(caught as Error)?.constructor?.name}: ${(caught as Error)?.message}`);
  assert.match((caught as E).message, re);
  return caught as E;
}

/* -------------------------------- lexer -------------------------------- */

describe('lexer', () => {
  test('identifiers, integers in three bases with suffixes, punctuation', () => {
    const toks = tokenize('foo_1 42 0x2A 052 0 7UL ... := [ ] . < > -');
    assert.deepEqual(
      toks.map((t) => [t.kind, t.text]),
      [
        ['id', 'foo_1'], ['int', '42'], ['int', '0x2A'], ['int', '052'], ['int', '0'], ['int', '7UL'],
        ['punct', '...'], ['punct', ':='], ['punct', '['], ['punct', ']'], ['punct', '.'], ['punct', '<'], ['punct', '>'],
        ['punct', '-'], ['eof', ''],
      ],
    );
    assert.deepEqual(toks.filter((t) => t.kind === 'int').map((t) => t.value), [42n, 42n, 42n, 0n, 7n]);
  });

  test('the largest 64-bit constant is accepted, exactly', () => {
    assert.equal(tokenize('18446744073709551615')[0]!.value, 18446744073709551615n);
    assert.equal(tokenize('0xFFFFFFFFFFFFFFFF')[0]!.value, 0xffffffffffffffffn);
  });

  test('line and column of tokens, across comments and CRLF', () => {
    const toks = tokenize('/* a\n comment */ x\r\n  // line\n\ty = 1;');
    const x = toks.find((t) => t.text === 'x')!;
    const y = toks.find((t) => t.text === 'y')!;
    assert.deepEqual([x.line, x.col], [2, 13]);
    assert.deepEqual([y.line, y.col], [4, 2]);
  });

  test('string and character literals with escapes', () => {
    const [s, c] = tokenize(String.raw`"a\n\t\"\\\x41\101\?" '\''`);
    assert.equal(s!.kind, 'str');
    assert.equal(s!.text, 'a\n\t"\\AA?');
    assert.equal(c!.kind, 'char');
    assert.equal(c!.text, "'");
  });

  test('integer constant beyond 64 bits: TsdlError with its position', () => {
    const e = throwsLike(() => tokenize('x = 1;\n  y = 18446744073709551616;'), TsdlError, /64-bit/);
    assert.equal(e.line, 2);
    assert.equal(e.col, 7);
    assert.match(e.message, /^line 2, column 7: /);
    throwsLike(() => tokenize('0x10000000000000000'), TsdlError, /^line 1, column 1: .*64-bit/);
  });

  test('invalid escape: TsdlError at the backslash', () => {
    const e = throwsLike(() => tokenize('\n  name = "ab\\qc";'), TsdlError, /escape/);
    assert.equal(e.line, 2);
    assert.equal(e.col, 13);
    assert.match(e.message, /^line 2, column 13: /);
  });

  test('other lexical errors name line and column', () => {
    throwsLike(() => tokenize('a\n "abc'), TsdlError, /^line 2, column \d+: unterminated literal/);
    throwsLike(() => tokenize('a\n"ab\ncd"'), TsdlError, /^line 2, column \d+: newline in literal/);
    throwsLike(() => tokenize('a /* never closed'), TsdlError, /^line 1, column \d+: unterminated comment/);
    throwsLike(() => tokenize('a\n  @'), TsdlError, /^line 2, column 3: unexpected character "@"/);
    throwsLike(() => tokenize('12ab'), TsdlError, /^line 1, column \d+: malformed constant/);
    throwsLike(() => tokenize('0x'), TsdlError, /^line 1, column \d+: malformed hexadecimal/);
    throwsLike(() => tokenize('"\\x"'), TsdlError, /^line 1, column \d+: invalid \\x escape/);
  });
});

/* -------------------------------- parser ------------------------------- */

describe('parser', () => {
  test('a syntax error names line and column', () => {
    const e = throwsLike(() => parseTsdl('trace {\n  major = 1;\n    = 8;\n};'), TsdlError, /syntax error/);
    assert.equal(e.line, 3);
    assert.equal(e.col, 5);
    assert.match(e.message, /^line 3, column 5: syntax error: expected a type, got "="/);
  });

  test('a missing semicolon is reported at the next token', () => {
    throwsLike(() => parseTsdl('trace {\n  major = 1\n  minor = 8;\n};'), TsdlError, /^line 3, column 3: syntax error: expected ";", got "minor"/);
  });

  test('end of input inside a block', () => {
    throwsLike(() => parseTsdl('trace {\n  major = 1;\n'), TsdlError, /^line 3, column 1: syntax error: expected "}", got end of metadata/);
  });

  test('typealias with a multi-word name and declarators with dimensions', () => {
    const ast = parseTsdl('typealias integer { size = 64; } := unsigned long;\nstruct s { unsigned long a[2][len], b; };');
    assert.equal(ast[0]!.k, 'typealias');
    assert.equal((ast[0] as { alias: string }).alias, 'unsigned long');
    const decl = ast[1] as { k: string; type: { k: string; body: { k: string; decls: { name: string; dims: unknown[] }[] }[] } };
    assert.equal(decl.k, 'typedecl');
    const fields = decl.type.body[0]!;
    assert.deepEqual(fields.decls.map((d) => [d.name, d.dims]), [['a', [2n, 'len']], ['b', []]]);
  });

  test('negative values and dotted paths as attribute values', () => {
    const ast = parseTsdl('clock { offset_s = -5; } ;\nx { };'.replace('x { };', ''));
    const clock = ast[0] as { body: { key: string; value: { k: string; v: unknown } }[] };
    assert.deepEqual(clock.body[0]!.value.v, -5n);
    const int = parseTsdl('typealias integer { size = 8; map = clock.mono.value; } := t;')[0] as {
      type: { attrs: { key: string; value: { k: string; v: unknown } }[] };
    };
    assert.deepEqual(int.type.attrs[1]!.value, { k: 'path', v: 'clock.mono.value', line: 1, col: 37 });
  });
});

/* ------------------------------- integers ------------------------------ */

describe('integer types', () => {
  test('size is required and limited to 1..64', () => {
    throwsLike(() => withPayload('integer { signed = true; } x;'), TsdlError, /^line \d+, column \d+: integer type is missing its "size"/);
    throwsLike(() => withPayload('integer { size = 0; } x;'), TsdlError, /^line \d+, column \d+: invalid integer size 0/);
    throwsLike(() => withPayload('integer { size = 65; } x;'), TsdlError, /invalid integer size 65/);
  });

  test('alignment: 8 by default for whole bytes, 1 otherwise; explicit values must be powers of two', () => {
    const tc = withPayload('integer { size = 16; } a; integer { size = 3; } b; integer { size = 12; } c; integer { size = 3; align = 32; } d;');
    assert.deepEqual(['a', 'b', 'c', 'd'].map((n) => intField(tc, n).align), [8, 1, 1, 32]);
    throwsLike(() => withPayload('integer { size = 8; align = 3; } x;'), TsdlError, /invalid alignment 3/);
  });

  test('signed: true/false, 1/0, case-insensitive; unsigned by default', () => {
    const tc = withPayload(
      'integer { size = 8; } a; integer { size = 8; signed = true; } b; integer { size = 8; signed = 1; } c; ' +
        'integer { size = 8; signed = TRUE; } d; integer { size = 8; signed = false; } e; integer { size = 8; signed = 0; } f;',
    );
    assert.deepEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => intField(tc, n).signed), [false, true, true, true, false, false]);
    throwsLike(() => withPayload('integer { size = 8; signed = maybe; } x;'), TsdlError, /expecting a boolean/);
  });

  test('byte_order: native follows the trace, network is big endian, be/le/big/little', () => {
    const fields =
      'integer { size = 16; } def; integer { size = 16; byte_order = native; } nat; integer { size = 16; byte_order = network; } net; ' +
      'integer { size = 16; byte_order = be; } be; integer { size = 16; byte_order = le; } le; ' +
      'integer { size = 16; byte_order = big; } big; integer { size = 16; byte_order = little; } little;';
    const names = ['def', 'nat', 'net', 'be', 'le', 'big', 'little'];
    const le = withPayload(fields, '', TRACE_LE);
    const be = withPayload(fields, '', TRACE_BE);
    assert.deepEqual(names.map((n) => intField(le, n).byteOrder), ['le', 'le', 'be', 'be', 'le', 'be', 'le']);
    assert.deepEqual(names.map((n) => intField(be, n).byteOrder), ['be', 'be', 'be', 'be', 'le', 'be', 'le']);
    assert.equal(le.byteOrder, 'le');
    assert.equal(be.byteOrder, 'be');
    throwsLike(() => withPayload('integer { size = 8; byte_order = middle; } x;'), TsdlError, /invalid byte order "middle"/);
  });

  test('native byte order in a typealias declared before the trace block', () => {
    const tc = parseMetadata(
      '/* CTF 1.8 */\ntypealias integer { size = 32; byte_order = native; } := n32;\n' + TRACE_BE + 'event { name = e; fields := struct { n32 x; }; };',
    );
    assert.equal(intField(tc, 'x').byteOrder, 'be');
  });

  test('base names', () => {
    const bases: [string, number][] = [
      ['decimal', 10], ['dec', 10], ['d', 10], ['i', 10], ['u', 10], ['10', 10],
      ['hexadecimal', 16], ['hex', 16], ['x', 16], ['X', 16], ['p', 16], ['16', 16],
      ['octal', 8], ['oct', 8], ['o', 8], ['8', 8], ['binary', 2], ['b', 2], ['2', 2],
    ];
    const tc = withPayload(bases.map(([b], i) => `integer { size = 8; base = ${b}; } f${i};`).join(' '));
    bases.forEach(([b, want], i) => assert.equal(intField(tc, `f${i}`).base, want, `base = ${b}`));
    assert.equal(intField(withPayload('integer { size = 8; } x;'), 'x').base, 10);
    throwsLike(() => withPayload('integer { size = 8; base = 7; } x;'), TsdlError, /invalid integer base "7"/);
  });

  test('base: names of Object.prototype members are not bases', () => {
    for (const b of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      throwsLike(() => withPayload(`integer { size = 8; base = ${b}; } x;`), TsdlError, new RegExp(`invalid integer base "${b}"`));
  });

  test('encoding: UTF8 and ASCII are text, none is not', () => {
    const tc = withPayload(
      'integer { size = 8; encoding = UTF8; } a; integer { size = 8; encoding = ASCII; } b; ' +
        'integer { size = 8; encoding = none; } c; integer { size = 8; } d;',
    );
    assert.deepEqual(['a', 'b', 'c', 'd'].map((n) => intField(tc, n).encoding), ['utf8', 'utf8', 'none', 'none']);
    throwsLike(() => withPayload('integer { size = 8; encoding = EBCDIC; } x;'), TsdlError, /invalid encoding "EBCDIC"/);
  });

  test('text arrays and sequences: 8-bit, byte-aligned, encoded elements', () => {
    const tc = withPayload(
      'integer { size = 8; encoding = UTF8; } s[4]; integer { size = 8; } raw[4]; uint8_t n; integer { size = 8; encoding = UTF8; } q[n];' +
        'integer { size = 16; encoding = UTF8; } wide[2];',
    );
    assert.equal((payloadField(tc, 's') as ArrayType).isText, true);
    assert.equal((payloadField(tc, 'raw') as ArrayType).isText, false);
    assert.equal((payloadField(tc, 'q') as SequenceType).isText, true);
    assert.equal((payloadField(tc, 'wide') as ArrayType).isText, false);
  });

  test('map = clock.NAME.value', () => {
    const tc = withPayload('integer { size = 64; map = clock.mono.value; } t;', 'clock { name = mono; freq = 1000; };');
    assert.equal(intField(tc, 't').mappedClock, 'mono');
    throwsLike(() => withPayload('integer { size = 64; map = mono; } t;'), TsdlError, /invalid "map" attribute "mono"/);
  });

  test(
    'map to a clock that is not declared (before) is an error',
    {},
    () => {
      throwsLike(() => withPayload('integer { size = 64; map = clock.nope.value; } t;'), TsdlError, /^line \d+, column \d+: .*nope/);
      // declared after its use
      throwsLike(
        () => parseMetadata(`${TRACE_LE}event { name = e; fields := struct { integer { size = 8; map = clock.later.value; } t; }; };\nclock { name = later; };`),
        TsdlError,
        /later/,
      );
    },
  );

  test('timestamp fields mapped to a clock give the stream class its default clock', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${TRACE_LE}clock { name = mono; freq = 1000; };\n` +
        'stream { event.header := struct { integer { size = 64; map = clock.mono.value; } timestamp; integer { size = 8; } id; }; };\n' +
        'event { name = e; id = 0; };',
    );
    const sc = onlyStream(tc);
    assert.equal(sc.defaultClock?.name, 'mono');
    assert.equal(asInt(member(sc.eventHeader, 'id')).meaning, 'event_id');
  });

  test('an unmapped timestamp gets an implicit 1 GHz clock, as in babeltrace2', () => {
    const tc = parseMetadata(`/* CTF 1.8 */\n${TRACE_LE}stream { event.header := struct { integer { size = 64; } timestamp; }; };\nevent { name = e; };`);
    const c = onlyStream(tc).defaultClock;
    assert.ok(c);
    assert.equal(c.freq, 1000000000n);
    assert.equal(c.implicit, true);
  });
});

/* ----------------------- floats, strings, enums ------------------------ */

describe('floating point, string and enumeration types', () => {
  test('floating_point: single and double precision, align and byte order', () => {
    const tc = withPayload(
      'floating_point { exp_dig = 8; mant_dig = 24; } f; ' +
        'floating_point { exp_dig = 11; mant_dig = 53; align = 64; byte_order = be; } d;',
    );
    const f = payloadField(tc, 'f') as FloatType;
    const d = payloadField(tc, 'd') as FloatType;
    assert.deepEqual([f.kind, f.expDig, f.mantDig, f.align, f.byteOrder], ['float', 8, 24, 8, 'le']);
    assert.deepEqual([d.kind, d.expDig, d.mantDig, d.align, d.byteOrder], ['float', 11, 53, 64, 'be']);
    throwsLike(() => withPayload('floating_point { exp_dig = 15; mant_dig = 113; } q;'), TsdlError, /^line \d+, column \d+: unsupported floating point/);
  });

  test('string, with and without encoding', () => {
    const tc = withPayload('string a; string { encoding = ASCII; } b; string { encoding = none; } c;');
    assert.deepEqual(['a', 'b', 'c'].map((n) => [payloadField(tc, n).kind, (payloadField(tc, n) as { encoding: string }).encoding]), [
      ['string', 'utf8'], ['string', 'utf8'], ['string', 'none'],
    ]);
    assert.equal(payloadField(tc, 'a').align, 8);
  });

  test('enumeration: automatic values follow the previous entry', () => {
    const tc = withPayload('enum : uint8_t { A, B, C = 10, D, E = 20 ... 29, F } x;');
    const e = payloadField(tc, 'x') as EnumType;
    assert.equal(e.kind, 'enum');
    assert.deepEqual(
      e.mappings.map((m) => [m.label, m.ranges]),
      [['A', [[0n, 0n]]], ['B', [[1n, 1n]]], ['C', [[10n, 10n]]], ['D', [[11n, 11n]]], ['E', [[20n, 29n]]], ['F', [[30n, 30n]]]],
    );
  });

  test('enumeration: ranges, reversed ranges, overlaps, quoted and repeated labels, negative values', () => {
    const tc = withPayload(
      'enum : integer { size = 8; signed = true; } { "a b" = 1 ... 3, TEENS = 13 ... 19, FIFTEEN = 15, REV = 9 ... 7, A = -2, TEENS = 40 } x;',
    );
    const e = payloadField(tc, 'x') as EnumType;
    assert.deepEqual(
      e.mappings.map((m) => [m.label, m.ranges]),
      [
        ['a b', [[1n, 3n]]], ['TEENS', [[13n, 19n], [40n, 40n]]], ['FIFTEEN', [[15n, 15n]]], ['REV', [[7n, 9n]]], ['A', [[-2n, -2n]]],
      ],
    );
    assert.equal(e.container.signed, true);
  });

  test('enumeration container: explicit, named, or the "int" type', () => {
    const tc = withPayload(
      'enum named x; enum : uint32_t { Z } y; enum { W } z;',
      'typealias integer { size = 16; signed = true; } := int;\nenum named : uint8_t { P, Q };',
    );
    const x = payloadField(tc, 'x') as EnumType;
    assert.equal(x.container.size, 8);
    assert.deepEqual(x.mappings.map((m) => m.label), ['P', 'Q']);
    assert.equal((payloadField(tc, 'y') as EnumType).container.size, 32);
    const z = payloadField(tc, 'z') as EnumType;
    assert.deepEqual([z.container.size, z.container.signed], [16, true]);
    throwsLike(() => withPayload('enum { W } z;'), TsdlError, /no container type and no "int" type/);
    throwsLike(() => withPayload('enum : str_t { W } z;', 'typealias string := str_t;'), TsdlError, /container type is not an integer/);
    throwsLike(() => withPayload('enum nothere x;'), TsdlError, /unknown enumeration "nothere"/);
  });

  test('the alignment of an enumeration is its container\'s', () => {
    const tc = withPayload('enum : integer { size = 8; align = 32; } { A } x;');
    assert.equal(payloadField(tc, 'x').align, 32);
  });
});

/* -------------------------- compound types ----------------------------- */

describe('structures, variants, arrays and sequences', () => {
  test('struct alignment: the largest member alignment, or align(N) when larger', () => {
    const tc = withPayload(
      'struct { uint8_t a; uint32_t b; } s1; struct { uint8_t a; } align(64) s2; struct { integer { size = 64; align = 64; } a; } align(8) s3; struct { } s4;',
    );
    assert.deepEqual(['s1', 's2', 's3', 's4'].map((n) => payloadField(tc, n).align), [8, 64, 64, 1]);
    throwsLike(() => withPayload('struct { uint8_t a; } align(6) s;'), TsdlError, /invalid alignment 6/);
  });

  test('named structures are reusable and each use is a copy', () => {
    const tc = withPayload('struct pair a; struct pair b;', 'struct pair { uint8_t x; uint32_t y; };');
    const a = payloadField(tc, 'a') as StructType;
    const b = payloadField(tc, 'b') as StructType;
    assert.deepEqual(a.fields.map((f) => f.name), ['x', 'y']);
    assert.notEqual(a, b);
    assert.notEqual(a.fields[0]!.type, b.fields[0]!.type);
    throwsLike(() => withPayload('struct nothere a;'), TsdlError, /unknown structure "nothere"/);
  });

  test('duplicate members are an error', () => {
    throwsLike(() => withPayload('uint8_t a; uint32_t a;'), TsdlError, /^line \d+, column \d+: duplicate structure member "a"/);
  });

  test('multi-dimensional arrays nest outermost first', () => {
    const tc = withPayload('uint32_t m[2][3][4];');
    const a = payloadField(tc, 'm') as ArrayType;
    assert.equal(a.kind, 'array');
    assert.equal(a.length, 2);
    const b = a.element as ArrayType;
    assert.equal(b.kind, 'array');
    assert.equal(b.length, 3);
    const c = b.element as ArrayType;
    assert.equal(c.length, 4);
    assert.equal(c.element.kind, 'int');
    assert.equal(a.align, 8);
  });

  test('a typealias with dimensions is an array type', () => {
    const tc = withPayload('triple t[2];', 'typealias integer { size = 16; }[3] := triple;');
    const a = payloadField(tc, 't') as ArrayType;
    assert.equal(a.length, 2);
    assert.equal((a.element as ArrayType).length, 3);
  });

  test('sequence with a relative length path: the earlier member of the same structure', () => {
    const tc = withPayload('uint32_t n; uint8_t seq[n];');
    const s = payloadField(tc, 'seq') as SequenceType;
    assert.equal(s.kind, 'sequence');
    assert.equal(s.lengthPath, 'n');
    assert.equal(s.lengthField, payloadField(tc, 'n'));
    assert.notEqual(s.lengthField?.saveSlot, undefined);
  });

  test('sequence with a relative path into an enclosing structure and into a nested one', () => {
    const tc = withPayload('uint8_t n; struct { uint8_t m; uint8_t inner[n]; } s; uint8_t outer[s.m];');
    const s = payloadField(tc, 's') as StructType;
    assert.equal((member(s, 'inner') as SequenceType).lengthField, payloadField(tc, 'n'));
    assert.equal((payloadField(tc, 'outer') as SequenceType).lengthField, member(s, 'm'));
  });

  test('sequence length in the event context, found from the payload (relative) and absolutely', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${U8}${TRACE_LE}` +
        'stream { event.context := struct { uint8_t clen; }; };\n' +
        'event { name = e; context := struct { uint8_t elen; }; fields := struct { uint8_t a[elen]; uint8_t b[event.context.elen]; uint8_t c[stream.event.context.clen]; uint8_t d[clen]; }; };',
    );
    const sc = onlyStream(tc);
    const ev = onlyEvent(tc);
    const elen = member(ev.context, 'elen');
    const clen = member(sc.eventContext, 'clen');
    assert.equal((member(ev.payload, 'a') as SequenceType).lengthField, elen);
    assert.equal((member(ev.payload, 'b') as SequenceType).lengthField, elen);
    assert.equal((member(ev.payload, 'c') as SequenceType).lengthField, clen);
    assert.equal((member(ev.payload, 'd') as SequenceType).lengthField, clen);
  });

  test('sequence length in the packet header and context (absolute paths)', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${U8}trace { major = 1; minor = 8; byte_order = le; packet.header := struct { uint8_t hn; }; };\n` +
        'stream { packet.context := struct { uint8_t pn; }; };\n' +
        'event { name = e; fields := struct { uint8_t a[trace.packet.header.hn]; uint8_t b[stream.packet.context.pn]; }; };',
    );
    const ev = onlyEvent(tc);
    assert.equal((member(ev.payload, 'a') as SequenceType).lengthField, member(tc.packetHeader, 'hn'));
    assert.equal((member(ev.payload, 'b') as SequenceType).lengthField, member(onlyStream(tc).packetContext, 'pn'));
  });

  test('a multi-dimensional sequence of arrays', () => {
    const tc = withPayload('uint8_t n; uint8_t m[n][2];');
    const s = payloadField(tc, 'm') as SequenceType;
    assert.equal(s.kind, 'sequence');
    assert.equal((s.element as ArrayType).length, 2);
  });

  test('variant with a relative tag: the earlier enumeration member', () => {
    const tc = withPayload('enum : uint8_t { A, B } tag; variant <tag> { uint8_t A; uint32_t B; } v;');
    const v = payloadField(tc, 'v') as VariantType;
    assert.equal(v.kind, 'variant');
    assert.equal(v.tagPath, 'tag');
    assert.equal(v.tag, payloadField(tc, 'tag'));
    assert.deepEqual(v.options.map((o) => o.name), ['A', 'B']);
  });

  test('named variant declared without a tag, tagged at its use', () => {
    const tc = withPayload('enum : uint8_t { X, Y } sel; variant choice <sel> v;', 'variant choice { uint8_t X; string Y; };');
    const v = payloadField(tc, 'v') as VariantType;
    assert.equal(v.tag, payloadField(tc, 'sel'));
    assert.deepEqual(v.options.map((o) => o.type.kind), ['int', 'string']);
  });

  test('variant with an absolute tag path: stream.event.header.id (LTTng event headers)', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${U8}${U32}${TRACE_LE}` +
        'stream { event.header := struct { enum : uint8_t { compact = 0 ... 30, extended = 31 } id; ' +
        'variant <id> { struct { uint8_t ts; } compact; struct { uint32_t id; uint32_t ts; } extended; } v; }; };\n' +
        'event { name = e; fields := struct { variant <stream.event.header.id> { uint8_t compact; uint32_t extended; } w; }; };',
    );
    const sc = onlyStream(tc);
    const id = member(sc.eventHeader, 'id') as EnumType;
    assert.equal((member(sc.eventHeader, 'v') as VariantType).tag, id);
    const w = payloadField(tc, 'w') as VariantType;
    assert.equal(w.tagPath, 'stream.event.header.id');
    assert.equal(w.tag, id);
    // the extended header's inner `id` is an integer that the event-id role applies to too
    const ext = (member(sc.eventHeader, 'v') as VariantType).options[1]!.type as StructType;
    assert.equal(asInt(member(ext, 'id')).meaning, 'event_id');
  });

  test('unresolvable or ill-typed tags and lengths are errors', () => {
    assert.throws(() => withPayload('uint8_t x; uint8_t q[nope];'), /cannot resolve sequence length "nope"/);
    assert.throws(() => withPayload('uint8_t q[later]; uint8_t later;'), /cannot resolve sequence length "later"/);
    assert.throws(() => withPayload('variant <nope> { uint8_t A; } v;'), /cannot resolve variant tag "nope"/);
    assert.throws(() => withPayload('uint8_t x; variant <x> { uint8_t A; } v;'), /variant tag "x" is not an enumeration/);
    assert.throws(() => withPayload('integer { size = 8; signed = true; } n; uint8_t q[n];'), /sequence length "n" is not an unsigned integer/);
    assert.throws(() => withPayload('string n; uint8_t q[n];'), /sequence length "n" is not an unsigned integer/);
  });

  test('errors about unresolvable paths carry the position in the metadata', () => {
    // a sequence at its declarator, a variant at its keyword (`@` marks the expected position)
    const at = (fields: string, re: RegExp): void => {
      const text = `/* CTF 1.8 */\n${U8}${U32}${TRACE_LE}event { name = e; fields := struct { ${fields} }; };\n`;
      const before = text.slice(0, text.indexOf('@')).split('\n');
      const where = `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
      throwsLike(() => parseMetadata(text.replace('@', '')), TsdlError, new RegExp(`^${where}: ${re.source}`));
    };
    at('uint8_t x; uint8_t @q[nope];', /cannot resolve sequence length "nope"/);
    at('uint8_t @q[later]; uint8_t later;', /cannot resolve sequence length "later"/);
    at('@variant <nope> { uint8_t A; } v;', /cannot resolve variant tag "nope"/);
    at('uint8_t x; @variant <x> { uint8_t A; } v;', /variant tag "x" is not an enumeration/);
    at('integer { size = 8; signed = true; } n; uint8_t @q[n];', /sequence length "n" is not an unsigned integer/);
    // in a named type, the position of its declaration
    throwsLike(
      () => withPayload('struct s t;', 'typedef struct { uint8_t q[nope]; } unused_t;\nstruct s { uint8_t n; uint8_t q[nope]; };'),
      TsdlError,
      /^line 6, column 31: cannot resolve sequence length "nope"/,
    );
  });

  test('other errors of the reading rules name the field too', () => {
    throwsLike(
      () => parseMetadata(`/* CTF 1.8 */\n${U8}trace { major = 1; minor = 8; byte_order = le;\n packet.header := struct { uint8_t uuid[15]; }; };`),
      TsdlError,
      /^line 4, column 36: packet header "uuid" must be an array of 16 bytes/,
    );
    const two = 'clock { name = a; }; clock { name = b; };\n';
    throwsLike(
      () => parseMetadata(`/* CTF 1.8 */\n${U8}${U32}${TRACE_LE}${two}stream { event.header := struct { uint32_t timestamp; }; };`),
      TsdlError,
      /^line 6, column 35: a timestamp field is not mapped to a clock and the trace has several clocks/,
    );
    throwsLike(
      () => parseMetadata(
        `/* CTF 1.8 */\n${U8}${U32}${TRACE_LE}${two}stream { event.header := struct {\n` +
          '  integer { size = 32; map = clock.a.value; } t1;\n  integer { size = 32; map = clock.b.value; } t2; }; };',
      ),
      TsdlError,
      /^line 8, column 3: stream class 0 maps fields to two clocks/,
    );
  });
});

/* ------------------------------- nesting ------------------------------- */

describe('nesting depth', () => {
  const nested = (n: number): string => 'struct { '.repeat(n - 1) + 'uint8_t x; ' + '} s; '.repeat(n - 2) + '}';
  const eventWith = (fields: string, prelude = ''): string => `/* CTF 1.8 */\n${U8}${TRACE_LE}${prelude}event { name = e; fields := ${fields}; };\n`;

  test('types nest up to MAX_TYPE_NESTING levels', () => {
    assert.equal(MAX_TYPE_NESTING, 256);
    let t: FieldType = onlyEvent(parseMetadata(eventWith(nested(MAX_TYPE_NESTING)))).payload!;
    let levels = 1;
    while (t.kind === 'struct') {
      t = t.fields[0]!.type;
      levels++;
    }
    assert.equal(levels, MAX_TYPE_NESTING);
  });

  test('one level more: a TsdlError at the type that crosses the limit', () => {
    const text = eventWith(nested(MAX_TYPE_NESTING + 1));
    const col = text.split('\n')[3]!.indexOf('struct') + 1 + 'struct { '.length * MAX_TYPE_NESTING;
    throwsLike(() => parseMetadata(text), TsdlError, new RegExp(`^line 4, column ${col}: types nested more than 256 levels deep$`));
  });

  test('20 000 nested structures, variants or enumeration containers: the same error, no stack overflow', () => {
    throwsLike(() => parseMetadata(eventWith(nested(20000))), TsdlError, /^line 4, column \d+: types nested more than 256 levels deep$/);
    const variants = 'struct { ' + 'variant { '.repeat(20000) + 'uint8_t x; ' + '} v; '.repeat(20000) + '}';
    throwsLike(() => parseMetadata(eventWith(variants)), TsdlError, /^line 4, column \d+: types nested more than 256 levels deep$/);
    const enums = 'struct { ' + 'enum : '.repeat(20000) + 'uint8_t { A } '.repeat(20000) + 'x; }';
    throwsLike(() => parseMetadata(eventWith(enums)), TsdlError, /^line 4, column \d+: types nested more than 256 levels deep$/);
  });

  test('depth built through aliases or dimensions is bounded too', () => {
    // each alias wraps the previous one: shallow text, deep type
    const aliases = Array.from({ length: 300 }, (_, i) => `typealias struct { ${i === 0 ? 'uint8_t' : `t${i - 1}`} m; } := t${i};\n`).join('');
    throwsLike(() => parseMetadata(eventWith('struct { t299 x; }', aliases)), TsdlError, /^line 259, column 1: types nested more than 256 levels deep$/);
    throwsLike(() => parseMetadata(eventWith(`struct { uint8_t x${'[1]'.repeat(20000)}; }`)), TsdlError, /^line 4, column 46: types nested more than 256 levels deep$/);
    const ok = onlyEvent(parseMetadata(eventWith(`struct { uint8_t x${'[1]'.repeat(MAX_TYPE_NESTING - 2)}; }`)));
    assert.equal(ok.payload!.fields[0]!.type.kind, 'array');
  });

  test('ttng view: one Error line naming the position, exit 1, no stack trace', async () => {
    ensureBuilt();
    const tmp = tempDir('ttng-tsdl-deep-');
    after(() => tmp.remove());
    const dir = tmp.dir;
    fs.writeFileSync(path.join(dir, 'metadata'), eventWith(nested(20000)));
    fs.writeFileSync(path.join(dir, 'stream'), Buffer.alloc(1));
    const r = await ttng(['view', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, STACK_LINE);
    assert.match(r.stderr, /^Error: \S+metadata: metadata line 4, column \d+: types nested more than 256 levels deep\n$/);
  });
});

/* ------------------------------- scoping ------------------------------- */

describe('typealias and typedef scoping', () => {
  test('top-level aliases are visible in every block, typedef like typealias', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${TRACE_LE}typedef integer { size = 16; } u16;\ntypealias integer { size = 64; } := unsigned long;\n` +
        'stream { event.context := struct { u16 a; unsigned long b; }; };\nevent { name = e; fields := struct { u16 c; unsigned long d; }; };',
    );
    const sc = onlyStream(tc);
    assert.equal(asInt(member(sc.eventContext, 'a')).size, 16);
    assert.equal(asInt(member(sc.eventContext, 'b')).size, 64);
    assert.equal(intField(tc, 'c').size, 16);
    assert.equal(intField(tc, 'd').size, 64);
  });

  test('typedef with several declarators and dimensions', () => {
    const tc = withPayload('a x; b y;', 'typedef integer { size = 8; } a, b[3];');
    assert.equal(payloadField(tc, 'x').kind, 'int');
    assert.equal((payloadField(tc, 'y') as ArrayType).length, 3);
  });

  test('an alias declared in a structure is visible in it and not after it', () => {
    const tc = withPayload('struct { typealias integer { size = 16; } := inner_t; inner_t a; } s;');
    assert.equal(asInt(member(payloadField(tc, 's') as StructType, 'a')).size, 16);
    throwsLike(
      () => withPayload('struct { typealias integer { size = 16; } := inner_t; inner_t a; } s; inner_t b;'),
      TsdlError,
      /^line \d+, column \d+: unknown type "inner_t"/,
    );
  });

  test('an alias declared in an event block is not visible in another block', () => {
    throwsLike(
      () =>
        parseMetadata(
          `/* CTF 1.8 */\n${TRACE_LE}event { name = a; id = 0; typealias integer { size = 16; } := local_t; fields := struct { local_t x; }; };\n` +
            'event { name = b; id = 1; fields := struct { local_t y; }; };',
        ),
      TsdlError,
      /^line 4, column 46: unknown type "local_t"/,
    );
  });

  test('an inner alias shadows an outer one of the same name', () => {
    const tc = withPayload(
      'uint8_t outer; struct { typealias integer { size = 32; } := uint8_t; uint8_t inner; } s; uint8_t after;',
    );
    assert.equal(intField(tc, 'outer').size, 8);
    assert.equal(asInt(member(payloadField(tc, 's') as StructType, 'inner')).size, 32);
    assert.equal(intField(tc, 'after').size, 8);
  });

  test('named structures, variants and enumerations are scoped too', () => {
    throwsLike(() => withPayload('struct { struct hidden { uint8_t a; } h; } s; struct hidden t;'), TsdlError, /unknown structure "hidden"/);
    throwsLike(() => withPayload('struct { enum hidden : uint8_t { A } h; } s; enum hidden t;'), TsdlError, /unknown enumeration "hidden"/);
  });

  test('each use of an alias is its own field', () => {
    const tc = withPayload('uint8_t a; uint8_t b;');
    assert.notEqual(payloadField(tc, 'a'), payloadField(tc, 'b'));
  });

  test('unknown type: TsdlError at the use', () => {
    const e = throwsLike(() => parseMetadata(`/* CTF 1.8 */\n${TRACE_LE}event {\n  name = e;\n  fields := struct { mystery_t x; };\n};`), TsdlError, /unknown type "mystery_t"/);
    assert.equal(e.line, 5);
    assert.equal(e.col, 22);
    assert.match(e.message, /^line 5, column 22: /);
  });
});

/* -------------------------------- blocks ------------------------------- */

describe('trace, env, clock, stream and event blocks', () => {
  test('trace block: version, UUID, byte order, packet header roles', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${U8}${U32}trace { major = 1; minor = 8; uuid = "2a6422d0-6cee-11e0-8c08-cb07d7b3a564"; byte_order = be;\n` +
        'packet.header := struct { uint32_t magic; uint8_t uuid[16]; uint32_t stream_id; integer { size = 64; } stream_instance_id; }; };',
    );
    assert.equal(tc.major, 1);
    assert.equal(tc.minor, 8);
    assert.equal(tc.byteOrder, 'be');
    assert.equal(Buffer.from(tc.uuid!).toString('hex'), '2a6422d06cee11e08c08cb07d7b3a564');
    assert.equal(asInt(member(tc.packetHeader, 'magic')).meaning, 'magic');
    assert.equal(asInt(member(tc.packetHeader, 'stream_id')).meaning, 'stream_id');
    assert.equal(asInt(member(tc.packetHeader, 'stream_instance_id')).meaning, 'stream_instance_id');
    assert.equal(asInt(member(tc.packetHeader, 'magic')).byteOrder, 'be');
  });

  test('trace version other than 1.8: TsdlError with the block position', () => {
    const e = throwsLike(() => parseMetadata('/* CTF 1.8 */\n\ntrace { major = 2; minor = 0; byte_order = le; };'), TsdlError, /unsupported trace version 2\.0/);
    assert.deepEqual([e.line, e.col], [3, 1]);
    assert.match(e.message, /^line 3, column 1: /);
    throwsLike(() => parseMetadata('trace { major = 1; minor = 7; byte_order = le; };'), TsdlError, /^line 1, column 1: unsupported trace version 1\.7/);
    // babeltrace 1 accepted other versions: opt-in leniency
    const tc = parseMetadata('trace { major = 1; minor = 7; byte_order = le; };', { lenientVersion: true });
    assert.equal(tc.minor, 7);
  });

  test('trace block errors: missing version, bad UUID, bad byte order, duplicate, missing', () => {
    throwsLike(() => parseMetadata('trace { minor = 8; byte_order = le; };'), TsdlError, /missing "major"/);
    throwsLike(() => parseMetadata('trace { major = 1; byte_order = le; };'), TsdlError, /missing "minor"/);
    throwsLike(() => parseMetadata('trace { major = 1; minor = 8; uuid = "xyz"; };'), TsdlError, /malformed trace UUID "xyz"/);
    throwsLike(() => parseMetadata('trace { major = 1; minor = 8; byte_order = native; };'), TsdlError, /invalid trace byte order "native"/);
    throwsLike(() => parseMetadata(`${TRACE_LE}\n${TRACE_LE}`), TsdlError, /^line 3, column 1: duplicate "trace" block/);
    throwsLike(() => parseMetadata(`${U8}`), TsdlError, /missing "trace" block/);
  });

  test('env block: strings and integers', () => {
    const tc = parseMetadata(`${TRACE_LE}env { hostname = "vm"; vpid = 42; tracer_name = "lttng-ust"; neg = -3; };`);
    assert.equal(tc.env.get('hostname'), 'vm');
    assert.equal(tc.env.get('vpid'), 42n);
    assert.equal(tc.env.get('tracer_name'), 'lttng-ust');
    assert.equal(tc.env.get('neg'), -3n);
  });

  test('clock block attributes', () => {
    const tc = parseMetadata(
      `${TRACE_LE}clock { name = "mono"; uuid = "b88e593a-9788-4e31-9652-ce777109f432"; description = "Monotonic Clock";\n` +
        'freq = 1000000000; precision = 10; offset_s = 1351530929; offset = 945824323; absolute = TRUE; };',
    );
    const c = tc.clocks.get('mono')!;
    assert.deepEqual(
      [c.name, c.uuid, c.description, c.freq, c.precision, c.offsetSeconds, c.offsetCycles, c.absolute],
      ['mono', 'b88e593a-9788-4e31-9652-ce777109f432', 'Monotonic Clock', 1000000000n, 10n, 1351530929n, 945824323n, true],
    );
    throwsLike(() => parseMetadata(`${TRACE_LE}clock { freq = 1000; };`), TsdlError, /missing its "name"/);
    throwsLike(() => parseMetadata(`${TRACE_LE}clock { name = a; };\nclock { name = a; };`), TsdlError, /^line 3, column 1: duplicate clock "a"/);
    throwsLike(() => parseMetadata(`${TRACE_LE}clock { name = a; freq = 0; };`), TsdlError, /frequency must be positive/);
  });

  test('clock offset normalization: cycles kept below one second', () => {
    const tc = parseMetadata(
      `${TRACE_LE}clock { name = a; freq = 1000; offset = 2500; };\n` +
        'clock { name = b; freq = 1000000000; offset_s = 10; offset = 1795686289535391896; };\n' +
        'clock { name = c; freq = 1000; offset_s = 5; offset = 999; };\n' +
        'clock { name = d; freq = 1000; offset_s = 5; offset = -1; };\n' +
        'clock { name = e; freq = 3; offset = 3; };',
    );
    const o = (n: string): [bigint, bigint] => [tc.clocks.get(n)!.offsetSeconds, tc.clocks.get(n)!.offsetCycles];
    assert.deepEqual(o('a'), [2n, 500n]);
    assert.deepEqual(o('b'), [10n + 1795686289n, 535391896n]);
    assert.deepEqual(o('c'), [5n, 999n]);
    assert.deepEqual(o('d'), [4n, 999n]);
    assert.deepEqual(o('e'), [1n, 0n]);
  });

  test('stream blocks: id, packet context roles, event header, event context', () => {
    const tc = parseMetadata(
      `/* CTF 1.8 */\n${U8}${U32}${TRACE_LE}clock { name = c; };\n` +
        'typealias integer { size = 64; map = clock.c.value; } := ts_t;\n' +
        'stream { id = 3; packet.context := struct { ts_t timestamp_begin; ts_t timestamp_end; uint32_t content_size; uint32_t packet_size;\n' +
        '  uint32_t packet_seq_num; uint32_t events_discarded; uint32_t cpu_id; };\n' +
        '  event.header := struct { uint32_t id; ts_t timestamp; }; event.context := struct { uint32_t vtid; }; };\n' +
        'stream { id = 5; };\n' +
        'event { name = "x:y"; id = 7; stream_id = 3; loglevel = 13; model.emf.uri = "http://x"; context := struct { uint8_t c; }; fields := struct { string s; }; };\n' +
        'event { name = z; id = 0; stream_id = 5; };',
    );
    assert.deepEqual([...tc.streams.keys()].sort(), [3, 5]);
    const sc = tc.streams.get(3)!;
    const roles = ['timestamp_begin', 'timestamp_end', 'content_size', 'packet_size', 'packet_seq_num', 'events_discarded', 'cpu_id'].map(
      (n) => asInt(member(sc.packetContext, n)).meaning,
    );
    assert.deepEqual(roles, ['packet_begin', 'packet_end', 'content_size', 'packet_size', 'packet_seq_num', 'events_discarded', undefined]);
    assert.equal(sc.defaultClock?.name, 'c');
    assert.deepEqual(sc.eventContext?.fields.map((f) => f.name), ['vtid']);
    const ev = sc.events.get(7)!;
    assert.deepEqual([ev.name, ev.id, ev.streamId, ev.logLevel, ev.emfUri], ['x:y', 7, 3, 13, 'http://x']);
    assert.deepEqual(ev.context?.fields.map((f) => f.name), ['c']);
    assert.deepEqual(ev.payload?.fields.map((f) => f.name), ['s']);
    assert.equal(tc.streams.get(5)!.events.get(0)!.name, 'z');
  });

  test('one stream class without id is stream class 0; events without stream_id belong to it', () => {
    const tc = parseMetadata(`${TRACE_LE}stream { };\nevent { name = a; id = 0; };\nevent { name = b; id = 1; };`);
    assert.deepEqual([...tc.streams.keys()], [0]);
    assert.deepEqual([...tc.streams.get(0)!.events.values()].map((e) => e.name), ['a', 'b']);
  });

  test('no stream block: an implicit stream class 0', () => {
    const tc = parseMetadata(`${TRACE_LE}event { name = a; };`);
    assert.equal(onlyEvent(tc).name, 'a');
    assert.equal(onlyStream(tc).id, 0);
  });

  test('stream and event block errors', () => {
    throwsLike(() => parseMetadata(`${TRACE_LE}stream { id = 1; };\nstream { };`), TsdlError, /^line 3, column 1: stream block is missing its "id"/);
    throwsLike(() => parseMetadata(`${TRACE_LE}stream { id = 1; };\nstream { id = 1; };`), TsdlError, /duplicate stream class id 1/);
    throwsLike(() => parseMetadata(`${TRACE_LE}stream { id = 0; };\nstream { id = 1; };\nevent { name = a; };`), TsdlError, /^line 4, column 1: event "a" has no stream_id/);
    throwsLike(() => parseMetadata(`${TRACE_LE}stream { id = 0; };\nevent { name = a; stream_id = 9; };`), TsdlError, /unknown stream class 9/);
    throwsLike(() => parseMetadata(`${TRACE_LE}event { name = a; id = 1; };\nevent { name = b; id = 1; };`), TsdlError, /duplicate event id 1/);
    throwsLike(() => parseMetadata(`${TRACE_LE}event { name = a; id = 0; };\nevent { name = b; };`), TsdlError, /event "b" is missing its "id"/);
    throwsLike(() => parseMetadata(`${TRACE_LE}event { id = 0; };`), TsdlError, /^line 2, column 1: event block is missing its "name"/);
    throwsLike(() => parseMetadata(`${TRACE_LE}event { name = a; fields := integer { size = 8; }; };`), TsdlError, /event fields must be a structure/);
    throwsLike(() => parseMetadata(`${TRACE_LE}env { x := struct { }; };`), TsdlError, /unexpected entry in env block/);
    throwsLike(() => parseMetadata(`${TRACE_LE}integer { size = 8; } x;`), TsdlError, /unexpected declaration at top level/);
  });

  test('callsite blocks and unknown attributes are ignored', () => {
    const tc = parseMetadata(`${TRACE_LE}callsite { name = "x"; func = "f"; ip = 0x1234; file = "a.c"; line = 3; };\nevent { name = a; whatever = 1; };`);
    assert.equal(onlyEvent(tc).name, 'a');
  });

  test('every reference metadata text parses', () => {
    const files = referenceMetadataTexts();
    assert.ok(files.length > 40, `found only ${files.length} metadata texts`);
    for (const f of files) {
      const text = fs.readFileSync(f, 'utf8');
      if (/fail\/|meta-ctx-sequence/.test(f)) continue; // rejected on purpose (checked elsewhere)
      assert.doesNotThrow(() => parseMetadata(text), f);
    }
  });
});

/* ------------------------- packetized metadata ------------------------- */

interface PacketOpts {
  le?: boolean;
  uuid?: Buffer;
  major?: number;
  minor?: number;
  /** bytes of padding after the content */
  padding?: number;
  magic?: number;
  compression?: number;
  /** override content size in bits */
  contentBits?: number;
}

/** A metadata packet as LTTng writes it: 37-byte header, text, padding. */
function metaPacket(text: string, o: PacketOpts = {}): Buffer {
  const le = o.le ?? true;
  const body = Buffer.from(text, 'utf8');
  const pad = o.padding ?? 0;
  const h = Buffer.alloc(METADATA_HEADER_SIZE);
  const u32 = (v: number, off: number): void => void (le ? h.writeUInt32LE(v, off) : h.writeUInt32BE(v, off));
  u32(o.magic ?? METADATA_MAGIC, 0);
  (o.uuid ?? Buffer.alloc(16, 0xab)).copy(h, 4);
  u32(0, 20); // checksum
  u32(o.contentBits ?? (METADATA_HEADER_SIZE + body.length) * 8, 24);
  u32((METADATA_HEADER_SIZE + body.length + pad) * 8, 28);
  h[32] = o.compression ?? 0;
  h[33] = 0;
  h[34] = 0;
  h[35] = o.major ?? 1;
  h[36] = o.minor ?? 8;
  return Buffer.concat([h, body, Buffer.alloc(pad)]);
}

const SAMPLE = `/* CTF 1.8 */\n${U8}${TRACE_LE}env { hostname = "h"; };\nevent { name = "ev"; fields := struct { uint8_t x; }; };\n`;

describe('packetized metadata', () => {
  test('magic 0x75D11D57 in either byte order is detected; plain text is not', () => {
    assert.equal(isPacketized(metaPacket('x')), true);
    assert.equal(isPacketized(metaPacket('x', { le: false })), true);
    assert.equal(isPacketized(Buffer.from(SAMPLE)), false);
    assert.equal(isPacketized(Buffer.from([0x57, 0x1d])), false);
    const plain = decodeMetadata(Buffer.from(SAMPLE));
    assert.deepEqual([plain.packetized, plain.text], [false, SAMPLE]);
  });

  test('packets are concatenated, padding dropped, in both byte orders', () => {
    const cut = [0, 17, 60, SAMPLE.length];
    for (const le of [true, false]) {
      const uuid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
      const buf = Buffer.concat(cut.slice(1).map((end, i) => metaPacket(SAMPLE.slice(cut[i], end), { le, uuid, padding: i * 13 })));
      const m = decodeMetadata(buf);
      assert.equal(m.packetized, true);
      assert.equal(m.text, SAMPLE);
      assert.equal(m.byteOrder, le ? 'le' : 'be');
      assert.equal(Buffer.from(m.uuid!).toString('hex'), uuid.toString('hex'));
      assert.equal(onlyEvent(parseMetadata(m.text)).name, 'ev');
    }
  });

  test('a multi-byte UTF-8 character split across packets', () => {
    const text = '/* é */';
    const bytes = Buffer.from(text);
    const i = bytes.indexOf(0xc3) + 1; // inside "é"
    const mk = (b: Buffer): Buffer => {
      const p = metaPacket('');
      p.writeUInt32LE((METADATA_HEADER_SIZE + b.length) * 8, 24);
      p.writeUInt32LE((METADATA_HEADER_SIZE + b.length) * 8, 28);
      return Buffer.concat([p, b]);
    };
    assert.equal(decodeMetadata(Buffer.concat([mk(bytes.subarray(0, i)), mk(bytes.subarray(i))])).text, text);
  });

  test('a packet of another version: MetadataFileError at the version byte', () => {
    const second = metaPacket('b', { major: 2, minor: 0 });
    const first = metaPacket('a');
    const e = throwsLike(() => decodeMetadata(Buffer.concat([first, second])), MetadataFileError, /invalid metadata packet version 2\.0/);
    assert.equal(e.offset, first.length + 35);
  });

  test('other bad packets: MetadataFileError with the offset', () => {
    const good = metaPacket('abc');
    let e = throwsLike(() => decodeMetadata(Buffer.concat([good, good.subarray(0, 20)])), MetadataFileError, /truncated metadata packet header/);
    assert.equal(e.offset, good.length);
    e = throwsLike(() => decodeMetadata(Buffer.concat([good, metaPacket('x', { magic: 0x12345678 })])), MetadataFileError, /bad metadata packet magic 0x12345678/);
    assert.equal(e.offset, good.length);
    e = throwsLike(() => decodeMetadata(Buffer.concat([good, metaPacket('x', { uuid: Buffer.alloc(16, 1) })])), MetadataFileError, /UUID differs/);
    assert.equal(e.offset, good.length);
    e = throwsLike(() => decodeMetadata(metaPacket('abc', { compression: 1 })), MetadataFileError, /compressed/);
    assert.equal(e.offset, 32);
    e = throwsLike(() => decodeMetadata(metaPacket('abc', { contentBits: 8 * 100 })), MetadataFileError, /invalid metadata packet sizes/);
    assert.equal(e.offset, 24);
    e = throwsLike(() => decodeMetadata(metaPacket('abc', { contentBits: 8 * 10 })), MetadataFileError, /invalid metadata packet sizes/);
    e = throwsLike(() => decodeMetadata(metaPacket('abcdef').subarray(0, METADATA_HEADER_SIZE + 2)), MetadataFileError, /past the end of the file/);
    assert.equal(e.offset, 0);
  });

  test('the last packet may be cut in its padding', () => {
    const p = metaPacket('abc', { padding: 100 });
    assert.equal(decodeMetadata(p.subarray(0, METADATA_HEADER_SIZE + 3 + 10)).text, 'abc');
  });

  test('the packetized metadata of a reference trace decodes to its text', () => {
    const f = path.join(SHARED, 'ctf-conformance', 'succeed', 'wk-heartbeat-u', 'metadata');
    const m = decodeMetadata(fs.readFileSync(f));
    assert.equal(m.packetized, true);
    assert.match(m.text, /\btrace \{\s+major = 1;\s+minor = 8;/);
    const tc = parseMetadata(m.text);
    assert.ok(tc.streams.size >= 1);
  });
});

/* ---------------------- reading a metadata file ------------------------ */

describe('readMetadataFile: errors name the file and the position', () => {
  const tmp = tempDir('ttng-tsdl-');
  after(() => tmp.remove());
  const write = (name: string, data: string | Buffer): string => {
    const p = path.join(tmp.dir, name);
    fs.writeFileSync(p, data);
    return p;
  };

  test('syntax error: TraceError "FILE: metadata line L, column C: …"', () => {
    const f = write('syntax', `/* CTF 1.8 */\n${TRACE_LE}event {\n  name = e\n};`);
    const e = throwsLike(() => readMetadataFile(f), TraceError, /metadata line 5, column 1: syntax error/);
    assert.equal(e.file, f);
    assert.ok(e.message.startsWith(`${f}: `), e.message);
  });

  test('bad packet version: TraceError "FILE: byte offset N: …"', () => {
    const f = write('version', Buffer.concat([metaPacket(SAMPLE.slice(0, 30)), metaPacket(SAMPLE.slice(30), { minor: 7 })]));
    const e = throwsLike(() => readMetadataFile(f), TraceError, /byte offset \d+: invalid metadata packet version 1\.7/);
    assert.equal(e.offset, METADATA_HEADER_SIZE + 30 + 35);
    assert.ok(e.message.startsWith(`${f}: byte offset ${METADATA_HEADER_SIZE + 30 + 35}: `), e.message);
  });

  test('packetized metadata with a semantic error: the position is in the text', () => {
    const f = write('semantic', metaPacket(`${TRACE_LE}event { name = a; fields := struct { nope_t x; }; };`));
    throwsLike(() => readMetadataFile(f), TraceError, /metadata line 2, column \d+: unknown type "nope_t"/);
  });

  test('unresolvable path: a TraceError naming the file', () => {
    const f = write('path', `${TRACE_LE}${U8}event { name = a; fields := struct { uint8_t q[nope]; }; };`);
    throwsLike(() => readMetadataFile(f), TraceError, /metadata line 3, column 46: cannot resolve sequence length "nope"/);
  });

  test('missing file', () => {
    throwsLike(() => readMetadataFile(path.join(tmp.dir, 'nothing')), TraceError, /cannot read metadata/);
  });

  test('a valid file', () => {
    const tc = readMetadataFile(write('ok', SAMPLE));
    assert.equal(tc.env.get('hostname'), 'h');
  });
});
