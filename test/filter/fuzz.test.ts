// Seeded fuzzing of the filter language: mutated expressions (deleted and inserted
// pieces, duplicated slices, deep prefixes) must parse to a tree that references
// and evaluation accept, or be refused with a FilterError; never another error
// (a stack overflow, a TypeError…). A failure names its iteration; to replay one:
//   FUZZ_ONLY=I node --import tsx --test test/filter/fuzz.test.ts
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterError, evaluateFilter, filterReferences, parseFilter } from '../../src/filter/filter.js';
import type { FilterLookup, FilterNode, FilterValue } from '../../src/filter/filter.js';
import { prng, randInt } from '../helpers.js';

const SEED = 20240609;
const ITERATIONS = 12_000;

// one of each construct: fields, paths, indexes, contexts, literals of each kind, every operator
const CORPUS = [
  'next_tid != 0 && prev_state == 1',
  'msg.len[2] >= 0x7f || hdr->flags & 4',
  '$ctx.vpid == 42 && $ctx.procname != "sshd*"',
  '$ctx.perf:thread:instructions < 1000000',
  '$app.prov:ctx != 0 || !ok',
  'ret < 0 || -ret == 11 || ~mask ^ 0x0f',
  'x << 1 >> 2 | y & z == 8',
  'load > 0.75 || t <= 1e-3 || u >= 0x1.8p1',
  "who == 'root' || who == \"gl\\*b\"",
  '/* hot path */ cpu == 3 // only cpu 3',
  'n == 10ul || m == 077LL',
  '(a == 1) && ((b != 2) || !(c >= 3))',
  'arr[0][1] == 5 || s.t.u == "v"',
  '$ctx.vtid == 1 || $ctx.vtid == 2 || $ctx.vtid == 3',
  'd % 2 + e * 3 - f / 4',
];

const SNIPPETS = [
  '(', ')', '[', ']', '!', '~', '-', '+', '*', '/', '%', '<<', '>>', '&', '^', '|', '<', '>', '<=', '>=', '==', '!=', '&&',
  '||', '.', '->', ' ', '\n', '"', "'", '\\', '\\n', '\\*', '/*', '*/', '//', '$ctx', '$ctx.', '$app.', '$x', 'L"', '0x',
  '077', '08', '1e', '1.5', '.5', '0x1p', '99999999999999999999', '18446744073709551615', '1u', 'ULL', 'a', 'b.c', '_:',
  ':', '=', ',', ';', '{', '}', '...', '@', '#', '\u00e9', '\u0000', '"*"',
];

type Rnd = () => number;

function mutate(src: string, rnd: Rnd): string {
  let s = src;
  const n = 1 + randInt(rnd, 4);
  for (let k = 0; k < n; k++) {
    const at = randInt(rnd, s.length + 1);
    switch (randInt(rnd, 6)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + 1 + randInt(rnd, 8));
        break;
      case 1:
      case 2:
        s = s.slice(0, at) + SNIPPETS[randInt(rnd, SNIPPETS.length)]! + s.slice(at);
        break;
      case 3: {
        // a slice repeated: long chains, sometimes deep ones
        const from = randInt(rnd, s.length + 1);
        const piece = s.slice(from, from + 1 + randInt(rnd, 12));
        s = s.slice(0, at) + piece.repeat(1 + randInt(rnd, rnd() < 0.05 ? 3000 : 20)) + s.slice(at);
        break;
      }
      case 4: {
        // a deep prefix, closed or not
        const open = ['(', '!', '-', '~', 'a || (', 'a['][randInt(rnd, 6)]!;
        const times = rnd() < 0.1 ? 500 + randInt(rnd, 3000) : 1 + randInt(rnd, 10);
        const close = open.endsWith('(') ? ')' : open === 'a[' ? ']' : '';
        s = open.repeat(times) + s + (rnd() < 0.7 ? close.repeat(times) : '');
        break;
      }
      default:
        s = s.slice(0, at) + String.fromCharCode(randInt(rnd, 128)) + s.slice(at + 1);
    }
  }
  return s;
}

/** field and context values of several shapes, chosen by name */
function lookup(rnd: Rnd): FilterLookup {
  const values: (FilterValue | undefined)[] = [0n, 1n, -1n, 2n ** 63n, 1.5, 'bash', 'a*b', [1n, 2n], { b: 3n, t: { u: 'v' } }, undefined, true];
  const pick = (): FilterValue | undefined => values[randInt(rnd, values.length)];
  return { payload: pick, context: pick, app: pick };
}

test(`${ITERATIONS} mutated filter expressions: a tree or a FilterError, nothing else`, { timeout: 300_000 }, () => {
  const only = process.env['FUZZ_ONLY'] === undefined ? undefined : Number(process.env['FUZZ_ONLY']);
  let parsed = 0;
  let refused = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    if (only !== undefined && i !== only) continue;
    // each iteration has its own generator, so that one replays alone
    const rnd = prng((Math.imul(SEED, 1000003) + i * 7919) >>> 0);
    const expr = mutate(CORPUS[randInt(rnd, CORPUS.length)]!, rnd);
    const where = `iteration ${i} (FUZZ_ONLY=${i}): ${JSON.stringify(expr.length > 300 ? expr.slice(0, 300) + '…' : expr)}`;
    let node: FilterNode;
    try {
      node = parseFilter(expr);
    } catch (e) {
      assert.ok(e instanceof FilterError, `${where}: ${e instanceof Error ? e.stack : String(e)}`);
      assert.ok(e.message.length > 0 && !/\bundefined\b|\bNaN\b/.test(e.message), `${where}: message ${JSON.stringify(e.message)}`);
      if (e.offset !== undefined) assert.ok(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= expr.length, `${where}: offset ${e.offset}`);
      refused++;
      continue;
    }
    parsed++;
    try {
      filterReferences(node);
      for (let k = 0; k < 3; k++) assert.equal(typeof evaluateFilter(node, lookup(rnd)), 'boolean');
    } catch (e) {
      assert.fail(`${where}: ${e instanceof Error ? e.stack : String(e)}`);
    }
  }
  if (only === undefined) {
    // the mutations reach both outcomes, or this test would prove little
    assert.ok(parsed > ITERATIONS / 20, `only ${parsed} expressions parsed`);
    assert.ok(refused > ITERATIONS / 20, `only ${refused} expressions refused`);
  }
});
