// Python's number formatting, LAMI JSON and the exact statistics, against
// values Python 3.11 printed (and, fuzzed, against an exact reference).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPrioList, formatSize, formatTimeRange, formatTimestamp, pyFixed, pyRepr, pyRound, pyStrRepr } from '../../src/analysis/pyfmt.js';
import { PyFloat, pyJson } from '../../src/analysis/lami.js';
import { errnoName, stdev } from '../../src/analysis/stats.js';
import { barGraph, freqGraph } from '../../src/analysis/text/termgraph.js';
import { prng, randInt } from '../helpers.js';

describe('Python number formatting', () => {
  test('repr() of floats', () => {
    const cases: [number, string][] = [
      [0, '0.0'], [1, '1.0'], [-1, '-1.0'], [0.1, '0.1'], [1e-5, '1e-05'], [0.0001, '0.0001'],
      [0.00012345, '0.00012345'], [123456789012345.6, '123456789012345.6'], [1e16, '1e+16'], [1.5e16, '1.5e+16'],
      [1234567890123456, '1234567890123456.0'], [2.5, '2.5'], [1e22, '1e+22'], [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'], [0.30000000000000004, '0.30000000000000004'], [100, '100.0'],
      [12.345678, '12.345678'],
    ];
    for (const [x, want] of cases) assert.equal(pyRepr(x), want, String(x));
  });

  test("'%.Nf' rounds exact ties to even, and round() likewise", () => {
    const cases: [number, number, string, string][] = [
      [0.125, 2, '0.12', '0.12'], [0.375, 2, '0.38', '0.38'], [2.5, 0, '2', '2.0'], [3.5, 0, '4', '4.0'],
      [1.005, 2, '1.00', '1.0'], [12.345, 2, '12.35', '12.35'], [0.0005, 3, '0.001', '0.001'], [2.675, 2, '2.67', '2.67'],
      [-0.125, 2, '-0.12', '-0.12'], [1e21, 2, '1000000000000000000000.00', '1e+21'], [99.995, 2, '100.00', '100.0'],
      [0.5, 0, '0', '0.0'], [1.5, 0, '2', '2.0'], [123.4565, 3, '123.457', '123.457'], [0.0625, 3, '0.062', '0.062'],
      [1023.99609375, 2, '1024.00', '1024.0'],
    ];
    for (const [x, n, fixed, round] of cases) {
      assert.equal(pyFixed(x, n), fixed, `${x} %.${n}f`);
      assert.equal(pyRepr(pyRound(x, n)), round, `round(${x}, ${n})`);
    }
  });

  /** exact decimal expansion of a double, rounded half to even at n digits */
  function exactFixed(x: number, n: number): string {
    const neg = x < 0;
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, Math.abs(x));
    const bits = buf.getBigUint64(0);
    const e = Number((bits >> 52n) & 0x7ffn);
    let m = bits & ((1n << 52n) - 1n);
    if (e) m |= 1n << 52n;
    const exp = (e || 1) - 1075;
    // value = m * 2^exp; scaled = value * 10^n as a fraction num / den
    let num = m * 10n ** BigInt(n);
    let den = 1n;
    if (exp >= 0) num <<= BigInt(exp);
    else den <<= BigInt(-exp);
    let q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && q % 2n === 1n)) q++;
    let s = q.toString().padStart(n + 1, '0');
    if (n > 0) s = s.slice(0, -n) + '.' + s.slice(-n);
    return (neg && q !== 0n ? '-' : neg ? '-' : '') + s;
  }

  test('fuzz: %.Nf equals the exact half-even rounding; repr() round-trips', () => {
    const rnd = prng(12345);
    for (let i = 0; i < 20000; i++) {
      const n = randInt(rnd, 4);
      // ties and near-ties: k / 2^j, and plain random doubles of every magnitude
      const x =
        i % 3 === 0
          ? (randInt(rnd, 1 << 20) - (1 << 19)) / 2 ** randInt(rnd, 12)
          : (rnd() - 0.5) * 10 ** randInt(rnd, 12);
      assert.equal(pyFixed(x, n), exactFixed(x, n), `${x} %.${n}f (case ${i})`);
      const r = pyRepr(x);
      assert.equal(Number(r), x, `repr ${r}`);
    }
  });

  test('format_size, format_prio_list, timestamps', () => {
    assert.equal(formatSize(0), '0   B');
    assert.equal(formatSize(1023), '1023   B');
    assert.equal(formatSize(1024), '1.00 KiB');
    assert.equal(formatSize(1536), '1.50 KiB');
    assert.equal(formatSize(1024 ** 2), '1.00 MiB');
    assert.equal(formatSize(3.5 * 1024 ** 3), '3.50 GiB');
    assert.equal(formatPrioList([]), '[]');
    assert.equal(formatPrioList([20, 10, 20, 20]), '[10, 20 (3 times)]');
    // 2019-08-05 19:15:41.344453851 UTC
    const ns = 1565032541344453851n;
    assert.equal(formatTimestamp(ns, false, true), '19:15:41.344453851');
    assert.equal(formatTimestamp(ns, true, true), '2019-08-05 19:15:41.344453851');
    assert.equal(formatTimeRange(ns, ns + 1_000_000_001n, true, true), '[2019-08-05 19:15:41.344453851, 2019-08-05 19:15:42.344453852]');
    assert.equal(pyStrRepr('success'), "'success'");
    assert.equal(pyStrRepr("it's"), '"it\'s"');
  });
});

describe('LAMI JSON', () => {
  test("json.dumps layout: ', ' and ': ', ints apart from floats, non-ASCII escaped", () => {
    assert.equal(pyJson({ a: 1, b: [new PyFloat(2), new PyFloat(0.5)], c: null, d: true, e: 'é"\n' }), '{"a": 1, "b": [2.0, 0.5], "c": null, "d": true, "e": "\\u00e9\\"\\n"}');
    assert.equal(pyJson(1565032541344453851n), '1565032541344453851');
    assert.equal(pyJson(new PyFloat(1e-7)), '1e-07');
  });
});

describe('exact statistics', () => {
  test('stdev as statistics.stdev of integers', () => {
    assert.equal(stdev([1, 2, 3, 4]), 1.2909944487358056);
    assert.equal(stdev([10, 10, 10]), 0);
    assert.equal(stdev([1000, 2000, 3500, 123456789]), 61727311.17521682);
    assert.equal(stdev([2 ** 40 + 1, 2 ** 40 + 7, 5]), 634803334273.0199);
  });

  test('errno names as Python has them', () => {
    assert.equal(errnoName(2), 'ENOENT');
    assert.equal(errnoName(11), 'EAGAIN');
    assert.equal(errnoName(35), 'EDEADLOCK');
    assert.equal(errnoName(95), 'ENOTSUP');
    assert.equal(errnoName(512), undefined);
  });
});

describe('terminal graphs', () => {
  test('bar graph: 80-wide bars scaled to the largest, values right-aligned, label header past them', () => {
    const lines = barGraph({
      title: 'T',
      unit: '%',
      labelHeader: 'Hdr',
      data: [
        { value: 50, valueStr: '50.00', label: 'a' },
        { value: 5, valueStr: '5.00', label: 'b' },
      ],
    });
    assert.deepEqual(lines, [
      'T' + ' '.repeat(80 - 1 + 1 + 7 + 1) + 'Hdr',
      '#'.repeat(80),
      '█'.repeat(80) + ' 50.00 % a',
      '█'.repeat(8) + ' '.repeat(72) + '  5.00 % b',
      '',
    ]);
    assert.deepEqual(barGraph({ title: 'x', data: [] }), []);
  });

  test('frequency graph: lower bounds on 7 columns, 72-wide bars', () => {
    const lines = freqGraph('F', 'µs', [
      { value: 2, valueStr: '2', lowerBound: 0.5 },
      { value: 1, valueStr: '1', lowerBound: 1234.5678 },
    ]);
    assert.deepEqual(lines, ['F (µs)', '#'.repeat(80), '  0.500 ' + '█'.repeat(72) + ' 2', '1234.568 ' + '█'.repeat(36) + ' '.repeat(36) + ' 1', '']);
  });
});
