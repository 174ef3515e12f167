// Unit and fuzz tests of the overhead study's report (summary.ts, markdown.ts, plot.ts).
// node --import tsx --test bench/overhead/report.test.ts
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { median, parseRuns, summarize } from './summary.js';
import { count, renderMarkdown } from './markdown.js';
import { escapeXml, renderSvg } from './plot.js';

const HEAD = 'setting,pass,threads,mode,position,status,tps,p95_ms,errors,events,lost,rec_cpu_load_s,rec_cpu_total_s,bytes,db_cpu_s,busy_cpu_s,idle_cpu_s,load_s,note';

function csv(rows: string[]): string {
  return [HEAD, ...rows].join('\n') + '\n';
}

// two passes at 1 thread: untraced 400 then 500 tps; ttng 380 then 450 (95 %, 90 %)
const SAMPLE = csv([
  'default,1,1,untraced,1,ok,400.0,10.00,0,,,0.00,0,0,5.0,10.0,10.0,3.0,',
  'default,1,1,ttng,2,ok,380.0,11.00,0,1000,0,0.50,0.90,2000000,5.0,11.0,9.0,3.0,lost_packets=0',
  'default,1,1,strace,3,ok,200.0,30.00,0,5000,,1.50,1.60,900000,5.0,12.0,8.0,3.0,stops_the_tracee_no_loss',
  'default,2,1,ttng,1,ok,450.0,12.00,0,3000,1000,0.70,1.10,4000000,5.0,11.0,9.0,3.0,lost_packets=0',
  'default,2,1,untraced,2,ok,500.0,8.00,0,,,0.00,0,0,5.0,10.0,10.0,3.0,',
  'default,2,1,strace,3,failed,,,,,,0.00,0,0,0,0,0,0.1,recorder did not start',
]);

test('median: odd and even counts, none', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), undefined);
});

test('parseRuns: fields by header name, empty fields undefined', () => {
  const runs = parseRuns(SAMPLE);
  assert.equal(runs.length, 6);
  assert.deepEqual(
    { mode: runs[1]!.mode, tps: runs[1]!.tps, events: runs[1]!.events, lost: runs[1]!.lost, bytes: runs[1]!.bytes },
    { mode: 'ttng', tps: 380, events: 1000, lost: 0, bytes: 2e6 },
  );
  assert.equal(runs[0]!.events, undefined);
  assert.equal(runs[2]!.lost, undefined);
  assert.equal(runs[5]!.status, 'failed');
});

test('parseRuns: a missing column or a short line is an error', () => {
  assert.throws(() => parseRuns('setting,pass\n'), /no column threads/);
  assert.throws(() => parseRuns(csv(['default,1,1,ttng'])), /line 2: 4 fields/);
});

test('summarize: each traced run against the untraced run of its own pass', () => {
  const sum = summarize(parseRuns(SAMPLE));
  assert.deepEqual(sum.modes, ['untraced', 'ttng', 'strace']);
  assert.deepEqual(sum.threads, [1]);
  const c = sum.cell('default', 'ttng', 1)!;
  // 380/400 = 95 %, 450/500 = 90 %: pairing by pass, not 830/900
  assert.deepEqual(c.tpsPct, { median: 92.5, min: 90, max: 95, n: 2 });
  assert.deepEqual(c.p95Pct, { median: 130, min: 110, max: 150, n: 2 });
  assert.equal(c.lostMax, 1000);
  assert.equal(c.lostPctMax, 25);
  assert.equal(c.events!.median, 2000);
  assert.equal(c.failed, 0);
  const s = sum.cell('default', 'strace', 1)!;
  assert.equal(s.failed, 1);
  assert.equal(s.tpsPct!.n, 1);
  assert.equal(s.lostMax, undefined);
  assert.equal(sum.cell('default', 'perf', 1), undefined);
});

test('summarize: no untraced run in a block, no ratio', () => {
  const sum = summarize(parseRuns(csv(['default,1,2,ttng,1,ok,380.0,11.00,0,1000,0,0.5,0.9,2000,5,11,9,3,'])));
  assert.equal(sum.cell('default', 'ttng', 2)!.tpsPct, undefined);
  assert.equal(sum.cell('default', 'ttng', 2)!.tps!.median, 380);
});

test('count: large numbers shortened', () => {
  assert.equal(count(4_890_000), '4.89 M');
  assert.equal(count(419_000), '419 k');
  assert.equal(count(999), '999');
  assert.equal(count(undefined), '–');
});

test('renderMarkdown: ratios with ranges, losses, failures, noise', () => {
  const md = renderMarkdown(summarize(parseRuns(SAMPLE)), 2, '3');
  assert.match(md, /\| ttng \| 92\.5 % \(90\.0–95\.0\) \|/);
  assert.match(md, /\| untraced \(tps\) \| 450\.0 \|/);
  assert.match(md, /\| strace \| 50\.0 % ⚠1 failed \|/);
  assert.match(md, /\| ttng \| 1 \| 2000 \| 1000 \(25\.0 %\) \| 0\.60 \| 1\.00 \| 3\.0 \|/);
  assert.match(md, /\| strace \| 1 \| 5000 \| n\/a \|/);
  assert.match(md, /passes by 1 thr 22\.2 % of their median/);
  const one = renderMarkdown(summarize(parseRuns(csv(['default,1,1,untraced,1,ok,400,10,0,,,0,0,0,5,10,10,3,']))), 1, '3');
  assert.match(one, /One pass only/);
});

test('renderSvg: one line per traced mode, the untraced reference, escaped text', () => {
  const runs = parseRuns(SAMPLE).concat(
    parseRuns(csv(['default,1,4,untraced,1,ok,800,10,0,,,0,0,0,5,10,10,3,', 'default,1,4,ttng,2,ok,720,11,0,1000,0,0.5,0.9,2000,5,11,9,3,'])),
  );
  const svg = renderSvg(summarize(runs), { default: 'a < b' });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 1); // ttng has 2 points, strace 1
  assert.match(svg, /ttng, 4 threads: 90\.0 %/);
  assert.match(svg, />untraced</);
  assert.match(svg, />a &lt; b</);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(escapeXml('"&<>'), '&quot;&amp;&lt;&gt;');
});

test('fuzz: parseRuns on damaged CSV returns runs or throws an Error, never anything else', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ',\n0123456789.-abcdefok ';
  for (let i = 0; i < 2000; i++) {
    const chars = [...SAMPLE];
    for (let k = 0; k < 1 + rand(8); k++) {
      const at = rand(chars.length);
      const op = rand(3);
      if (op === 0) chars.splice(at, 1);
      else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
      else chars[at] = alphabet[rand(alphabet.length)]!;
    }
    try {
      const runs = parseRuns(chars.join(''));
      const sum = summarize(runs);
      renderMarkdown(sum, 2, '3');
      renderSvg(sum);
    } catch (e) {
      assert.ok(e instanceof Error, `not an Error: ${String(e)}`);
      assert.match(e.message, /^raw\.csv/);
    }
  }
});
