// LTTng's filter language (lttng-facts §6.10, lttng-event-rule(7)): what
// parses, what LTTng refuses, and how an expression evaluates.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FilterError, MAX_FILTER_DEPTH, evaluateFilter, filterReferences, parseFilter } from '../../src/filter/filter.js';
import { globMatch as starGlobMatch } from '../../src/filter/glob.js';
import type { FilterValue } from '../../src/filter/filter.js';

function ev(expr: string, payload: Record<string, FilterValue>, ctx: Record<string, FilterValue> = {}): boolean {
  return evaluateFilter(parseFilter(expr), {
    payload: (n) => payload[n],
    context: (n) => ctx[n],
  });
}

function refused(expr: string, msg: string | RegExp): void {
  assert.throws(() => parseFilter(expr), (e: unknown) => {
    assert.ok(e instanceof FilterError, String(e));
    if (typeof msg === 'string') assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  }, expr);
}

describe('filter expressions: parsing', () => {
  test('accepted forms', () => {
    for (const e of [
      'prev_tid == 0',
      'a.b[3] > 1',
      'x->y == 2',
      '$ctx.procname == "bash"',
      '$ctx.perf:cpu:cycles > 100',
      '$app.myprov:myctx == 1',
      'fd >= 0x10 && fd < 017 || !(ret != -1)',
      '~flags & 0x3 == 0',
      'a << 2 >> 1 | b ^ c',
      'x == 1.5e3 || y < .5',
      "name == 'single quoted'",
      'name == "glob*"',
      '/* comment */ a == 1 // trailing',
      'a == 1u || b == 2ULL',
      '-x < +y',
    ]) {
      assert.doesNotThrow(() => parseFilter(e), e);
    }
  });

  test('what LTTng refuses, with its messages', () => {
    refused('', 'empty filter expression');
    refused('a ==', 'syntax error: unexpected end of expression');
    refused('a == == 1', /^syntax error near "==" \(character 6\)$/);
    refused('(a == 1', 'syntax error: unexpected end of expression');
    refused('a = 1', /^syntax error near "="/);
    refused('a + 1 > 2', "binary operation '+' not supported");
    refused('a * 2', "binary operation '*' not supported");
    refused('a % 2', "binary operation '%' not supported");
    refused('name < "x"', "Only '==' and '!=' comparators are allowed for strings");
    refused('"a*" == "b*"', 'Cannot compare two globbing patterns');
    refused('"x" == 1', "binary operation '==' operand type mismatch");
    refused('-"x" == a', "unary operation '-' not allowed on string literal");
    refused('"x" && a', "logical binary operation '&&' cannot have string operand");
    refused('a & "x"', "bitwise binary operation '&' cannot have string operand");
    refused('a | 1.5', "bitwise binary operation '|' cannot have floating point operand");
    refused('"just a string"', 'String cannot be root data type');
    refused('$ctx == 1', "Expecting identifier after '$ctx'");
    refused('$foo.x == 1', "Unexpected identifier '$foo'");
    refused('a[b] == 1', 'Expecting constant index in array expression');
    refused('s == "a\\nb"', 'escape sequences not supported yet');
    refused('a == 99999999999999999999', /does not fit in 64 bits/);
    refused('a == "open', 'unterminated string literal');
    refused('a @ 1', 'unexpected character "@"');
  });

  test('references', () => {
    assert.deepEqual(filterReferences(parseFilter('a == 1 && $ctx.tid > 0 && b.c[1] == 2 && $app.p:x == 1')), {
      payload: ['a', 'b'],
      context: ['tid'],
      app: ['p:x'],
    });
  });
});

describe('filter expressions: evaluation', () => {
  test('integers, comparisons, logic', () => {
    assert.equal(ev('prev_tid == 0', { prev_tid: 0n }), true);
    assert.equal(ev('prev_tid == 0', { prev_tid: 5n }), false);
    assert.equal(ev('a > 1 && b < 2', { a: 2n, b: 1n }), true);
    assert.equal(ev('a > 1 || b < 2', { a: 0n, b: 5n }), false);
    assert.equal(ev('!(a == 1)', { a: 2n }), true);
    assert.equal(ev('-a == -3', { a: 3n }), true);
    assert.equal(ev('a == 1.5', { a: 1.5 }), true);
    assert.equal(ev('a < 2', { a: 1.5 }), true);
    assert.equal(ev('a', { a: 3n }), true);
  });

  test('bitwise operators bind tighter than comparisons, on uint64', () => {
    assert.equal(ev('flags & 0x4 == 4', { flags: 0x6n }), true); // (flags & 4) == 4, unlike C
    assert.equal(ev('~a == -1', { a: 0n }), true);
    assert.equal(ev('a << 63 == 0x8000000000000000', { a: 1n }), true);
    assert.equal(ev('a >> 64 == 0', { a: 1n }), false, 'a shift outside [0, 63] makes the expression false');
    assert.equal(ev('a ^ 3 == 0', { a: 3n }), true);
  });

  test('strings and globs', () => {
    assert.equal(ev('$ctx.procname == "bash"', {}, { procname: 'bash' }), true);
    assert.equal(ev('$ctx.procname == "ba*"', {}, { procname: 'bash' }), true);
    assert.equal(ev('"ba*" == $ctx.procname', {}, { procname: 'zsh' }), false);
    assert.equal(ev('$ctx.procname != "kworker*"', {}, { procname: 'kworker/0:1' }), false);
    assert.equal(ev('name == "a\\*"', { name: 'a*' }), true, '\\* is a literal star');
    assert.equal(ev('name == "a\\*"', { name: 'ab' }), false);
    assert.equal(ev('name == 1', { name: 'x' }), false, 'a string field against a number is false');
    assert.ok(starGlobMatch('*', ''));
    assert.ok(starGlobMatch('a*b*c', 'aXbYc'));
    assert.ok(!starGlobMatch('a*b', 'ac'));
  });

  test('missing fields, bad indexes: false', () => {
    assert.equal(ev('nope == 1 || 1', {}), false, 'a missing field makes the whole expression false');
    assert.equal(ev('arr[1] == 7', { arr: [1n, 7n] }), true);
    assert.equal(ev('arr[5] == 7', { arr: [1n, 7n] }), false);
    assert.equal(ev('s.x == 2', { s: { x: 2n } }), true);
    assert.equal(ev('s.y == 2', { s: { x: 2n } }), false);
  });
});

describe('filter expressions: nesting depth', () => {
  /** the FilterError of `expr`, asserting it is one line */
  function depthError(expr: string): FilterError {
    let caught: unknown;
    try {
      parseFilter(expr);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof FilterError, `expected a FilterError, got ${String(caught)}`);
    assert.match(caught.message, /^filter expression nested more than 1024 levels deep \(character \d+\)$/);
    assert.equal(caught.message, `filter expression nested more than ${MAX_FILTER_DEPTH} levels deep (character ${caught.offset! + 1})`);
    return caught;
  }
  const chain = (n: number): string => Array(n).fill('a').join(' || ');

  test('expressions up to MAX_FILTER_DEPTH levels parse and evaluate', () => {
    assert.equal(MAX_FILTER_DEPTH, 1024);
    const env = { payload: (n: string) => (n === 'a' ? 1n : undefined), context: () => undefined };
    for (const e of [chain(1024), '!'.repeat(1023) + 'a', '('.repeat(1023) + 'a' + ')'.repeat(1023), '-('.repeat(511) + 'a' + ')'.repeat(511)]) {
      const node = parseFilter(e);
      assert.equal(typeof evaluateFilter(node, env), 'boolean');
      assert.deepEqual(filterReferences(node).payload, ['a']);
    }
    assert.equal(evaluateFilter(parseFilter(chain(1024)), env), true);
    assert.equal(evaluateFilter(parseFilter('!'.repeat(1023) + 'a'), env), false);
  });

  test('one level more: refused where the limit is crossed', () => {
    // the operator that makes the chain 1025 deep: the 1024th `||`
    assert.equal(depthError(chain(1025)).offset, chain(1024).length + 1);
    assert.equal(depthError('!'.repeat(1024) + 'a').offset, 1023);
    assert.equal(depthError('('.repeat(1024) + 'a' + ')'.repeat(1024)).offset, 1023);
    assert.equal(depthError('('.repeat(1023) + 'a' + ')'.repeat(1023) + ' == 1').offset, 2048);
  });

  test('10 000 levels of parentheses, operators, indexes: one FilterError, no stack overflow', () => {
    const n = 10000;
    depthError('('.repeat(n) + 'a' + ')'.repeat(n) + ' == 1');
    depthError('!'.repeat(n) + 'a');
    depthError('-~'.repeat(n / 2) + 'a');
    depthError('a || ('.repeat(n) + 'a' + ')'.repeat(n));
    depthError('a[' .repeat(n) + '1' + ']'.repeat(n) + ' == 1');
    depthError(chain(n));
    depthError(Array(n).fill('a == 1').join(' && '));
  });
});
