// Fuzzing loops, run in a child process by fuzz.test.ts so that a hang can be
// detected and killed. Every iteration has its own PRNG seeded from (seed, i), so one
// iteration reproduces alone:
//   node --import tsx test/ctf/fuzz-runner.ts metadata SEED N [--only=I] [--show]
//   node --import tsx test/ctf/fuzz-runner.ts stream SEED N TRACE_DIR [--only=I] [--show] [--keep=DIR]
// (--keep=DIR copies each corrupted trace to DIR/iteration-I, to run `ttng view` or babeltrace2 on it)
// Output, one line each: `P I` before iteration I, `F {json}` for a failure, `D {json}` at the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMetadata, TsdlError } from '../../src/ctf/metadata.js';
import { CompiledStreamClass, TraceError } from '../../src/ctf/trace.js';
import { iterate, openInputs } from '../../src/ctf/reader.js';
import { PrettyPrinter, defaultPrettyOptions, textOptionsFor } from '../../src/ctf/pretty.js';
import { FdWriter } from '../../src/cli/output.js';
import { prng, randInt, referenceMetadataTexts } from '../helpers.js';

type Rnd = () => number;

export interface Failure {
  i: number;
  what: string;
  error: string;
  mutations: string[];
}

function iterationRng(seed: number, i: number): Rnd {
  return prng((Math.imul(seed, 1000003) + i * 7919) >>> 0);
}

/** errors that reveal a bug in our code rather than bad input */
function isInternal(e: unknown): boolean {
  return (
    !(e instanceof Error) ||
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError ||
    e instanceof SyntaxError ||
    e instanceof EvalError ||
    /\bundefined\b|\bNaN\b|\[object /.test(e.message) ||
    e.message === ''
  );
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  return `non-Error thrown: ${String(e)}`;
}

/* ------------------------------ metadata ------------------------------- */

const SNIPPETS = [
  '{', '}', '[', ']', '(', ')', ';', ',', '.', ':', '=', ':=', '<', '>', '...', '"', "'", '\\', '/*', '*/', '//', '\n', ' ', '-',
  'struct', 'variant', 'enum', 'integer', 'floating_point', 'string', 'typealias', 'typedef', 'align(', 'trace', 'stream',
  'event', 'clock', 'env', 'size', 'signed', 'map', 'clock.x.value', 'stream.event.header.id', 'event.fields.x',
  '0', '1', '8', '64', '65', '0x', '0xFFFFFFFFFFFFFFFF', '18446744073709551616', '077', '1 ... 0', 'x[0]', 'x[3][2]',
  'id', 'len', '_', '"\\x41"', '"\\q"', '\u00e9', '\u0000', 'true', 'native', 'network',
];

function tokens(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]*|0[xX][0-9a-fA-F]+|\d+|:=|\.\.\.|\S/g)) out.push({ start: m.index!, end: m.index! + m[0].length });
  return out;
}

function mutateText(text: string, rnd: Rnd, log: string[]): string {
  const n = 1 + randInt(rnd, 4);
  let t = text;
  for (let k = 0; k < n; k++) {
    const at = randInt(rnd, t.length + 1);
    switch (randInt(rnd, 9)) {
      case 0: {
        const len = 1 + randInt(rnd, 20);
        log.push(`delete ${len} at ${at}`);
        t = t.slice(0, at) + t.slice(at + len);
        break;
      }
      case 1: {
        const s = SNIPPETS[randInt(rnd, SNIPPETS.length)]!;
        log.push(`insert ${JSON.stringify(s)} at ${at}`);
        t = t.slice(0, at) + s + t.slice(at);
        break;
      }
      case 2: {
        const c = String.fromCharCode(32 + randInt(rnd, 95));
        log.push(`replace char at ${at} with ${JSON.stringify(c)}`);
        t = t.slice(0, at) + c + t.slice(at + 1);
        break;
      }
      case 3:
        log.push(`truncate at ${at}`);
        t = t.slice(0, at);
        break;
      case 4: {
        const toks = tokens(t);
        if (toks.length < 2) break;
        const a = toks[randInt(rnd, toks.length)]!;
        const b = toks[randInt(rnd, toks.length)]!;
        if (a.start === b.start) break;
        const [x, y] = a.start < b.start ? [a, b] : [b, a];
        log.push(`swap tokens at ${x.start} and ${y.start}`);
        t = t.slice(0, x.start) + t.slice(y.start, y.end) + t.slice(x.end, y.start) + t.slice(x.start, x.end) + t.slice(y.end);
        break;
      }
      case 5: {
        const toks = tokens(t);
        if (toks.length === 0) break;
        const a = toks[randInt(rnd, toks.length)]!;
        log.push(`delete token at ${a.start}`);
        t = t.slice(0, a.start) + t.slice(a.end);
        break;
      }
      case 6: {
        // replace a number with an edge value
        const nums = [...t.matchAll(/\b\d+\b/g)];
        if (nums.length === 0) break;
        const m = nums[randInt(rnd, nums.length)]!;
        const v = ['0', '1', '3', '7', '63', '64', '65', '4294967296', '9007199254740993', '18446744073709551615'][randInt(rnd, 10)]!;
        log.push(`number at ${m.index} -> ${v}`);
        t = t.slice(0, m.index!) + v + t.slice(m.index! + m[0].length);
        break;
      }
      case 7: {
        // replace an identifier with another one of the text (wrong types, tags, lengths)
        const ids = [...t.matchAll(/\b[A-Za-z_][A-Za-z0-9_]*\b/g)];
        if (ids.length < 2) break;
        const a = ids[randInt(rnd, ids.length)]!;
        const b = ids[randInt(rnd, ids.length)]!;
        log.push(`identifier at ${a.index} -> ${b[0]}`);
        t = t.slice(0, a.index!) + b[0] + t.slice(a.index! + a[0].length);
        break;
      }
      default: {
        // duplicate a region (duplicate blocks, members, events)
        const len = 1 + randInt(rnd, 200);
        log.push(`duplicate ${len} at ${at}`);
        t = t.slice(0, at) + t.slice(at, at + len) + t.slice(at);
      }
    }
  }
  return t;
}

/** compile every decoder of every event: generated code must always be valid JavaScript */
function compileAll(text: string): void {
  const tc = parseMetadata(text);
  for (const sc of tc.streams.values()) {
    const cs = new CompiledStreamClass(tc, sc, { names: true, scopeLabels: ['a', 'b', 'c'], namesPerScope: [false, true, false] });
    for (const id of sc.events.keys()) {
      const ce = cs.event(id)!;
      cs.text(ce);
      cs.values(ce);
      cs.skip(ce);
    }
  }
}

function fuzzMetadata(seed: number, n: number, only: number | undefined, show: boolean): void {
  const texts = referenceMetadataTexts().map((f) => fs.readFileSync(f, 'utf8'));
  let accepted = 0;
  let rejected = 0;
  for (let i = only ?? 0; i < (only !== undefined ? only + 1 : n); i++) {
    process.stdout.write(`P ${i}\n`);
    const rnd = iterationRng(seed, i);
    const base = texts[randInt(rnd, texts.length)]!;
    const log: string[] = [];
    const text = mutateText(base, rnd, log);
    if (show) process.stderr.write(`--- iteration ${i}: ${log.join('; ')}\n${text}\n---\n`);
    try {
      compileAll(text);
      accepted++;
    } catch (e) {
      rejected++;
      if (isInternal(e) || !(e instanceof TsdlError || (e as Error).constructor === Error)) {
        process.stdout.write(`F ${JSON.stringify({ i, what: 'parseMetadata', error: describeError(e), mutations: log })}\n`);
      } else if (show) process.stderr.write(`rejected: ${(e as Error).message}\n`);
    }
  }
  process.stdout.write(`D ${JSON.stringify({ accepted, rejected })}\n`);
}

/* ------------------------------- streams ------------------------------- */

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

function mutateBytes(orig: Buffer, rnd: Rnd, log: string[]): Buffer {
  let b = Buffer.from(orig);
  const n = 1 + randInt(rnd, 3);
  for (let k = 0; k < n; k++) {
    if (b.length === 0) break;
    // packet headers and contexts are where sizes and ids live: aim there half the time
    const packet = 4096 * randInt(rnd, Math.max(1, Math.ceil(b.length / 4096)));
    const at = rnd() < 0.5 ? Math.min(b.length - 1, packet + randInt(rnd, 96)) : randInt(rnd, b.length);
    switch (randInt(rnd, 6)) {
      case 0: {
        const bit = randInt(rnd, 8);
        log.push(`flip bit ${bit} of byte ${at}`);
        b[at] = b[at]! ^ (1 << bit);
        break;
      }
      case 1: {
        const v = randInt(rnd, 256);
        log.push(`byte ${at} = ${v}`);
        b[at] = v;
        break;
      }
      case 2: {
        const len = [2, 4, 8][randInt(rnd, 3)]!;
        const v = [0x00, 0xff, 0x7f, 0x80][randInt(rnd, 4)]!;
        log.push(`${len} bytes at ${at} = 0x${v.toString(16)}`);
        b.fill(v, at, Math.min(b.length, at + len));
        break;
      }
      case 3: {
        const len = 1 + randInt(rnd, 64);
        log.push(`random ${len} bytes at ${at}`);
        for (let j = at; j < Math.min(b.length, at + len); j++) b[j] = randInt(rnd, 256);
        break;
      }
      case 4: {
        log.push(`truncate at ${at}`);
        b = b.subarray(0, at);
        break;
      }
      default: {
        // a plausible but wrong 32- or 64-bit size
        const v = [0, 1, 8, 64, b.length * 8, b.length * 8 + 8, 0x7fffffff, 0xffffffff][randInt(rnd, 8)]!;
        const off = at - (at % 4);
        if (off + 4 > b.length) break;
        log.push(`u32 at ${off} = ${v}`);
        b.writeUInt32LE(v >>> 0, off);
      }
    }
  }
  return b;
}

export interface ViewResult {
  /** stdout */
  text: string;
  /** the WARNING lines (stderr) */
  warnings: string;
  /** the error thrown, if any */
  error?: unknown;
}

/**
 * What `ttng view DIR` does, in-process. `bytes`: the CLI's path (PrettyPrinter.writeEvent
 * into an FdWriter, here on a temporary file with the smallest buffer, to cross its
 * boundaries often); otherwise the string path (PrettyPrinter.eventLine), which the byte
 * path must reproduce exactly.
 */
export function viewInProcess(dir: string, bytes: boolean, outFile: string): ViewResult {
  const pretty = defaultPrettyOptions();
  let text = '';
  let warnings = '';
  const fd = fs.openSync(outFile, 'w');
  const out = new FdWriter(fd, 16384);
  let error: unknown;
  try {
    const opened = openInputs([dir]);
    for (const t of opened.traces) {
      t.textOpts = textOptionsFor(pretty);
      t.warn = () => {};
    }
    const pp = new PrettyPrinter(pretty, opened.baseNs);
    iterate(opened, true, (c) => {
      const it = c.item!;
      if (it.kind !== 'event') warnings += pp.discardedLine(it);
      else if (bytes) pp.writeEvent(c, out);
      else text += pp.eventLine(c);
    });
  } catch (e) {
    error = e;
  } finally {
    out.flush();
    fs.closeSync(fd);
  }
  if (bytes) text = fs.readFileSync(outFile, 'utf8');
  return { text, warnings, error };
}

function fuzzStream(seed: number, n: number, traceDir: string, only: number | undefined, show: boolean, keep?: string): void {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-fuzz-'));
  try {
    const dest = path.join(work, path.basename(traceDir));
    fs.cpSync(traceDir, dest, { recursive: true });
    const files = listFiles(dest).filter((f) => path.basename(f) !== 'metadata' && !f.endsWith('.idx') && fs.statSync(f).size > 0);
    const originals = new Map(files.map((f) => [f, fs.readFileSync(f)]));
    const outFile = path.join(work, 'stdout');
    let ok = 0;
    let failed = 0;
    for (let i = only ?? 0; i < (only !== undefined ? only + 1 : n); i++) {
      process.stdout.write(`P ${i}\n`);
      const rnd = iterationRng(seed, i);
      const f = files[randInt(rnd, files.length)]!;
      const log = [`file ${path.relative(dest, f)}`];
      const mutated = mutateBytes(originals.get(f)!, rnd, log);
      fs.writeFileSync(f, mutated);
      if (keep) fs.cpSync(dest, path.join(keep, `iteration-${i}`), { recursive: true });
      const fail = (what: string, error: string): void => {
        process.stdout.write(`F ${JSON.stringify({ i, what, error, mutations: log })}\n`);
      };
      try {
        const r = viewInProcess(dest, false, outFile);
        const rb = viewInProcess(dest, true, outFile);
        const e = r.error;
        if (e === undefined) ok++;
        else {
          failed++;
          const msg = e instanceof Error ? e.message : String(e);
          const good = e instanceof TraceError && !isInternal(e) && msg.includes(dest) && /byte offset \d+/.test(msg);
          if (!good) fail('view', describeError(e));
          else if (show) process.stderr.write(`iteration ${i}: ${log.join('; ')}: ${msg}\n`);
        }
        // printed values never show JavaScript values (quoted strings come from the data)
        const unquoted = r.text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
        const bad = unquoted.split('\n').find((l) => /\bundefined\b|\bNaN\b|\[object /.test(l));
        if (bad !== undefined) fail('output', `JavaScript value in the output: ${bad}`);
        const eb = rb.error instanceof Error ? rb.error.message : String(rb.error);
        const et = e instanceof Error ? e.message : String(e);
        if (eb !== et) fail('bytes-vs-text', `the CLI's byte path ended with "${eb}", the string path with "${et}"`);
        else if (rb.text !== r.text) {
          let at = 0;
          while (at < r.text.length && r.text[at] === rb.text[at]) at++;
          const partial = e !== undefined && rb.text.startsWith(r.text) && !rb.text.slice(r.text.length).includes('\n');
          if (partial) fail('partial-line', `the byte path leaves a partial line before the error: ${JSON.stringify(rb.text.slice(r.text.length, r.text.length + 200))}`);
          else {
            // inside the `[HH:MM:SS.NNNNNNNNN]` that starts the line: the timestamp rounding bug
            const col = at - (r.text.lastIndexOf('\n', at - 1) + 1);
            const what = r.text[at - col] === '[' && col < 21 ? 'bytes-vs-text-timestamp' : 'bytes-vs-text';
            fail(what, `byte path output differs at character ${at}: ${JSON.stringify(rb.text.slice(Math.max(0, at - 40), at + 80))} vs ${JSON.stringify(r.text.slice(Math.max(0, at - 40), at + 80))}`);
          }
        }
        if (rb.warnings !== r.warnings) fail('bytes-vs-text', `WARNING lines differ: ${rb.warnings} vs ${r.warnings}`);
        if (show) process.stderr.write(`iteration ${i}: ${log.join('; ')}: ${r.text.split('\n').length - 1} lines${e ? '' : ', no error'}\n`);
      } finally {
        fs.writeFileSync(f, originals.get(f)!);
      }
    }
    process.stdout.write(`D ${JSON.stringify({ ok, failed })}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/* -------------------------------- main --------------------------------- */

const args = process.argv.slice(2);
const flags = new Map(args.filter((a) => a.startsWith('--')).map((a) => [a.replace(/=.*/, ''), a.includes('=') ? a.slice(a.indexOf('=') + 1) : '']));
const pos = args.filter((a) => !a.startsWith('--'));
const only = flags.has('--only') ? Number(flags.get('--only')) : undefined;
const show = flags.has('--show');
if (pos[0] === 'metadata') fuzzMetadata(Number(pos[1]), Number(pos[2]), only, show);
else if (pos[0] === 'stream') fuzzStream(Number(pos[1]), Number(pos[2]), path.resolve(pos[3]!), only, show, flags.get('--keep') || undefined);
else if (pos.length) {
  process.stderr.write('usage: fuzz-runner.ts metadata SEED N | stream SEED N TRACE_DIR [--only=I] [--show]\n');
  process.exit(2);
}
