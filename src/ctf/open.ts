// The file source of traces read whole, as babeltrace2's src.ctf.fs opens
// them: recursive discovery, every packet indexed before anything is printed,
// traces sharing a UUID merged (snapshots, rotation chunks), stream ids, the
// tracer-bug checks that decode packets at start-up.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cursor, END, TimeBase } from './cursor.js';
import { findTraceDirs, isTraceDir, openTrace } from './discover.js';
import { IndexedPackets, indexTrace, insertPacketSorted } from './file-index.js';
import type { StreamSet } from './muxer.js';
import type { TraceClass } from './model.js';
import { CtfTrace, Stream, TraceError, nsFromOrigin } from './trace.js';

export interface OpenedTraces {
  traces: CtfTrace[];
  /** every stream of every trace */
  streams: Stream[];
  /** ns from origin that relative times count from */
  baseNs: bigint;
}

function classCount(t: CtfTrace): number {
  let n = t.tc.streams.size;
  for (const s of t.tc.streams.values()) n += s.events.size;
  return n;
}

export function openInputs(inputs: string[], warn: (msg: string) => void = (m) => process.stderr.write(`ttng: warning: ${m}\n`)): OpenedTraces {
  const noTrace: string[] = [];
  // traces sharing a UUID are one trace (snapshots, rotation chunks), whichever inputs they come from
  const groups: { input: string; traces: CtfTrace[] }[] = [];
  const byUuid = new Map<string, CtfTrace[]>();
  for (const input of inputs) {
    const exists = fs.existsSync(input);
    if (!exists && inputs.length === 1) throw new TraceError(input, undefined, 'no such file or directory');
    const dirs = !exists ? [] : isTraceDir(input) ? [input] : findTraceDirs(input);
    if (dirs.length === 0) {
      // as babeltrace2: only a warning when another input has traces
      if (inputs.length > 1) {
        noTrace.push(input);
        continue;
      }
      throw new TraceError(input, undefined, 'no CTF trace found (no directory with a "metadata" file)');
    }
    for (const d of dirs) {
      const t = openTrace(d);
      const u = t.uuid;
      let g = u === undefined ? undefined : byUuid.get(u);
      if (!g) {
        g = [];
        if (u !== undefined) byUuid.set(u, g);
        groups.push({ input, traces: g });
      }
      g.push(t);
    }
  }
  const traces: CtfTrace[] = [];
  for (const { input, traces: g } of groups) {
    for (const t of g) indexTrace(t);
    let merged: CtfTrace;
    if (g.length === 1) {
      merged = g[0]!;
      merged.name = traceName(input, merged);
    } else {
      merged = mergeTraces(g);
      merged.name = merged.hostname ?? '';
    }
    assignStreamIds(merged);
    traces.push(merged);
  }
  if (traces.length === 0 && noTrace.length) throw new TraceError(noTrace[0]!, undefined, 'no CTF trace found (no directory with a "metadata" file)');
  for (const p of noTrace) warn(`${p}: no CTF trace found (no directory with a "metadata" file)`);
  for (const t of traces) checkTracerBugs(t);
  const streams = traces.flatMap((t) => t.streams);
  // relative times count from a whole second near the first packet
  let baseNs = 0n;
  for (const s of streams) {
    const c = s.sc.defaultClock;
    const b = s.packets.find((p) => p.begin !== undefined)?.begin;
    if (c && b !== undefined) {
      baseNs = (nsFromOrigin(c, b) / 1000000000n) * 1000000000n;
      break;
    }
    if (c) baseNs = ((c.offsetSeconds * 1000000000n) / 1000000000n) * 1000000000n;
  }
  return { traces, streams, baseNs };
}

/** babeltrace2's trace name: the hostname, then the path below the input */
export function traceName(input: string, t: CtfTrace): string {
  const rel = path.relative(input, t.dir);
  const host = t.hostname;
  return host !== undefined ? (rel ? `${host}/${rel}` : host) : rel;
}

function mergeTraces(g: CtfTrace[]): CtfTrace {
  let winner = g[0]!;
  // babeltrace2 keeps the richest metadata
  for (const t of g) if (classCount(t) > classCount(winner)) winner = t;
  // ... which must then hold every class of the others as they declare it (a metadata that grew)
  for (const t of g) {
    if (t !== winner && !classesIncluded(t.tc, winner.tc))
      throw new TraceError(t.dir, undefined, `traces ${winner.dir} and ${t.dir} share UUID ${t.uuid ?? ''} but their metadata differ`);
  }
  const byKey = new Map<string, Stream>();
  const out: Stream[] = [];
  for (const t of [winner, ...g.filter((x) => x !== winner)]) {
    for (const s of t.streams) {
      const sc = winner.tc.streams.get(s.sc.id);
      if (!sc) throw new TraceError(t.dir, undefined, `stream class ${s.sc.id} is not in the metadata of ${winner.dir}`);
      if (s.instanceId === undefined) {
        const ns = new Stream(winner, sc, undefined);
        ns.packets.push(...s.packets);
        out.push(ns);
        continue;
      }
      const key = `${s.sc.id}:${s.instanceId}`;
      let d = byKey.get(key);
      if (!d) {
        d = new Stream(winner, sc, s.instanceId);
        byKey.set(key, d);
        out.push(d);
      }
      for (const p of s.packets) insertPacketSorted(d.packets, p);
    }
  }
  winner.streams.length = 0;
  winner.streams.push(...out);
  return winner;
}

/** a class as text, for comparing two parses of it (decoder slots are the parser's bookkeeping) */
function classKey(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => (k === 'saveSlot' ? undefined : typeof x === 'bigint' ? String(x) : x instanceof Map ? [...x.entries()] : x));
}

/** every stream and event class of `a` is in `b`, the same */
function classesIncluded(a: TraceClass, b: TraceClass): boolean {
  for (const [id, sa] of a.streams) {
    const sb = b.streams.get(id);
    if (!sb) return false;
    const { events: ea, ...ra } = sa;
    const { events: eb, ...rb } = sb;
    if (classKey(ra) !== classKey(rb)) return false;
    for (const [eid, ec] of ea) {
      const other = eb.get(eid);
      if (!other || classKey(ec) !== classKey(other)) return false;
    }
  }
  return true;
}

function assignStreamIds(t: CtfTrace): void {
  t.streams.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const next = new Map<number, number>();
  for (const s of t.streams) {
    if (s.instanceId !== undefined) s.id = Number(s.instanceId);
    else {
      const n = next.get(s.sc.id) ?? 0;
      s.id = n;
      next.set(s.sc.id, n + 1);
    }
  }
}

/** tracer name and version from the metadata environment, when there */
function tracerInfo(t: CtfTrace): { name: string; major: bigint; minor: bigint; patch: bigint } | undefined {
  const env = t.tc.env;
  const name = env.get('tracer_name');
  const major = env.get('tracer_major');
  if (typeof name !== 'string' || typeof major !== 'bigint') return undefined;
  const int = (k: string): bigint => {
    const v = env.get(k);
    return typeof v === 'bigint' ? v : 0n;
  };
  return { name, major, minor: int('tracer_minor'), patch: int(env.has('tracer_patch') ? 'tracer_patch' : 'tracer_patchlevel') };
}

/**
 * babeltrace2 corrects the packet times of known tracer bugs at start-up by
 * decoding packets (fs.c, fix_packet_index_tracer_bugs): a packet that does not
 * decode fails the whole trace before anything is printed. The corrected
 * times themselves are applied where the reader moves the clock (Cursor).
 */
function checkTracerBugs(t: CtfTrace): void {
  const info = tracerInfo(t);
  if (!info) return;
  const { name, major, minor, patch } = info;
  const lttng = name === 'lttng-ust' || name === 'lttng-modules';
  // LTTng < 2.11 (modules: < 2.9.13, 2.10.10): events after the packet end; the last packet of each stream is decoded
  const afterPacket =
    (name === 'lttng-ust' && (major < 2n || (major === 2n && minor < 11n))) ||
    (name === 'lttng-modules' && (major < 2n || (major === 2n && (minor < 9n || (minor === 9n && patch < 13n) || (minor === 10n && patch < 10n)))));
  // barectf < 2.3.1: events before the packet beginning; the first event of every packet but the first
  const beforePacket = name === 'barectf' && (major < 2n || (major === 2n && (minor < 3n || (minor === 3n && patch < 1n))));
  for (const s of t.streams) {
    if (!s.sc.defaultClock || s.packets.length === 0) continue;
    const last = s.packets[s.packets.length - 1]!;
    // lttng-crash: a last packet whose end is 0
    if (afterPacket || (lttng && last.end === 0n && last.begin !== 0n)) decodePackets(s, [last], false);
    if (beforePacket) decodePackets(s, s.packets.slice(1), true);
  }
}

/** decodes packets of `s` alone, whole or up to their first event */
function decodePackets(s: Stream, packets: Stream['packets'], firstEventOnly: boolean): void {
  for (const p of packets) {
    const c = new Cursor(s, new TimeBase(0n), false, new IndexedPackets([p]));
    while (c.next() !== END) {
      if (firstEventOnly && c.item?.kind === 'event') break;
    }
  }
}

/** The streams of traces read whole, all known from the start. */
export class FileStreams implements StreamSet {
  readonly base: TimeBase;
  readonly blocked = false;
  readonly done = true;
  private streams: Stream[];
  constructor(opened: OpenedTraces) {
    this.base = new TimeBase(opened.baseNs);
    this.streams = opened.streams;
  }
  poll(): Stream[] {
    const s = this.streams;
    this.streams = [];
    return s;
  }
}
