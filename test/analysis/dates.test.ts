// --begin/--end/--timerange parsing as lttng-analyses does it (run with TZ=UTC
// as the whole suite is: times of day are local time).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isMultiDay, parseTimeRange, parseTraceDate } from '../../src/analysis/dates.js';
import { formatTimestamp } from '../../src/analysis/pyfmt.js';
import { prng, randInt } from '../helpers.js';

// times of day are local time: this file runs in UTC whatever the machine's zone
process.env['TZ'] = 'UTC';
// 2019-10-16 21:36:35.523067504 UTC
const FIRST = 1571261795523067504n;
const dates = { first: FIRST, multiDay: false };

describe('trace dates', () => {
  test('full dates, times of day on the trace date, ns since the Epoch', () => {
    assert.equal(parseTraceDate('2019-10-16 21:36:36.000000001', dates, false), 1571261796000000001n);
    assert.equal(parseTraceDate('2019-10-16T21:36:36', dates, false), 1571261796000000000n);
    assert.equal(parseTraceDate('21:36:36.500000000', dates, false), 1571261796500000000n);
    assert.equal(parseTraceDate('21:36:37', dates, false), 1571261797000000000n);
    assert.equal(parseTraceDate('1571261796123456789', dates, false), 1571261796123456789n);
    assert.deepEqual(parseTimeRange('[21:36:36, 21:36:37.000000002]', dates, false), [1571261796000000000n, 1571261797000000002n]);
  });

  test('errors carry lttng-analyses’ messages', () => {
    assert.throws(() => parseTraceDate('21:36', dates, false), /^Error: Unrecognised date format: 21:36$/);
    // nanoseconds: all nine digits or none
    assert.throws(() => parseTraceDate('21:36:36.5', dates, false), /^Error: Unrecognised date format: 21:36:36.5$/);
    assert.throws(() => parseTraceDate('2019-13-01 00:00:00', dates, false), /Unrecognised date format/);
    assert.throws(() => parseTraceDate('21:36:36', { first: FIRST, multiDay: true }, false), /^Error: Invalid date format for multi-day trace: 21:36:36$/);
    assert.throws(() => parseTimeRange('21:00,22:00', dates, false), /^Error: Invalid time range format: 21:00,22:00$/);
  });

  test('multi-day: first and last on different local dates', () => {
    assert.equal(isMultiDay(FIRST, FIRST + 3n * 3_600_000_000_000n), true);
    assert.equal(isMultiDay(FIRST, FIRST + 60_000_000_000n), false);
    assert.equal(isMultiDay(undefined, FIRST), false);
  });

  test('fuzz: any string parses to a time or fails with an Error; printed dates parse back', () => {
    const rnd = prng(777);
    const alphabet = '0123456789:-. Tt[],x';
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const n = randInt(rnd, 32);
      for (let k = 0; k < n; k++) s += alphabet[randInt(rnd, alphabet.length)];
      try {
        assert.equal(typeof parseTraceDate(s, dates, false), 'bigint');
      } catch (e) {
        assert.ok(e instanceof Error && /date format/.test(e.message), `${JSON.stringify(s)}: ${String(e)}`);
      }
      const ns = FIRST + BigInt(randInt(rnd, 2 ** 30)) * 1000n + BigInt(randInt(rnd, 1000));
      assert.equal(parseTraceDate(formatTimestamp(ns, true, false), dates, false), ns);
    }
  });
});
