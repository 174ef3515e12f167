// `ttng convert IN... -o DIR`: rewrite every trace ttng reads as a new CTF
// trace (LTTng layout), like `babeltrace2 IN -o ctf -w DIR`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openInputs, iterate } from '../ctf/reader.js';
import type { Cursor } from '../ctf/reader.js';
import type { Stream, CtfTrace } from '../ctf/trace.js';
import { CtfWriter, lttngStreamClass } from '../ctf/writer.js';
import type { StreamWriter } from '../ctf/writer.js';
import type { FieldType, StreamClass, TraceClass } from '../ctf/model.js';
import { tokenize } from '../ctl/argv.js';
import type { OptionSpec } from '../ctl/argv.js';
import { UsageError } from './usage.js';

export const CONVERT_HELP = `Usage: ttng convert [OPTIONS] PATH... -o DIR

Read the CTF traces found under each PATH (as \`ttng view\` does) and write
them again as CTF 1.8 traces under DIR, in LTTng's layout: one file per
stream, index/*.idx files, LTTng packet headers and contexts. Each input
trace goes to DIR/<its path relative to PATH>. babeltrace2 and babeltrace
1.5 read the result; \`ttng view DIR\` prints what \`ttng view PATH\` prints.

Options:
  -o, --output DIR          Output directory (created; must be empty)
      --packetized-metadata Write metadata in LTTng's packetized form
  -h, --help                Show this help
`;

export interface ConvertArgs {
  inputs: string[];
  out: string;
  packetized: boolean;
}

const CONVERT_OPTIONS: OptionSpec[] = [{ long: 'help', short: 'h' }, { long: 'output', short: 'o', value: true }, { long: 'packetized-metadata' }];

export function parseConvertArgs(argv: string[]): ConvertArgs | 'help' {
  const a: ConvertArgs = { inputs: [], out: '', packetized: false };
  for (const t of tokenize(argv, CONVERT_OPTIONS)) {
    if (t.kind === 'positional' && t.value !== '-') {
      a.inputs.push(t.value);
      continue;
    }
    // no short groups, attached values but `--output=DIR`, `--` or `-`
    const o = t.kind === 'option' ? t : undefined;
    if (!o?.spec || o.bundled || (o.inline && o.spec.long !== 'output')) {
      throw new UsageError(`unknown option "${o ? o.arg : t.kind === 'terminator' ? '--' : '-'}"`);
    }
    if (o.spec.long === 'help') return 'help';
    if (o.spec.long === 'packetized-metadata') a.packetized = true;
    else if (!o.inline && !o.value) throw new UsageError(`option ${o.rawName} needs a value`);
    else a.out = o.value ?? '';
  }
  if (!a.inputs.length) throw new UsageError('no input trace path given');
  if (!a.out) throw new UsageError('no output directory given (-o DIR)');
  return a;
}

const ROLE_FIELDS = new Set(['timestamp_begin', 'timestamp_end', 'content_size', 'packet_size', 'packet_seq_num', 'events_discarded']);

function outTraceClass(src: TraceClass): Omit<TraceClass, 'packetHeader' | 'uuid' | 'major' | 'minor'> & { uuid?: Uint8Array } {
  const streams = new Map<number, StreamClass>();
  for (const sc of src.streams.values()) {
    const extra: { name: string; type: FieldType }[] = (sc.packetContext?.fields ?? []).filter((f) => !ROLE_FIELDS.has(f.name));
    streams.set(sc.id, lttngStreamClass({
      id: sc.id, clock: sc.defaultClock, header: 'large', packetContextExtra: extra, eventContext: sc.eventContext,
      events: [...sc.events.values()],
    }));
  }
  return { uuid: src.uuid, byteOrder: 'le', env: src.env, clocks: src.clocks, streams };
}

export function runConvert(a: ConvertArgs): number {
  if (fs.existsSync(a.out) && fs.readdirSync(a.out).length) throw new UsageError(`output directory ${a.out} is not empty`);
  const opened = openInputs(a.inputs);
  const writers = new Map<CtfTrace, CtfWriter>();
  const streamWriters = new Map<Stream, { w: StreamWriter; packet: unknown }>();
  const usedDirs = new Set<string>();
  for (const t of opened.traces) {
    const input = a.inputs.find((i) => path.resolve(t.dir).startsWith(path.resolve(i))) ?? t.dir;
    const rel = path.relative(input, t.dir);
    let dir = path.join(a.out, rel);
    for (let n = 1; usedDirs.has(dir); n++) dir = path.join(a.out, `${rel || 'trace'}-${n}`);
    usedDirs.add(dir);
    writers.set(t, new CtfWriter(dir, outTraceClass(t.tc), { packetizedMetadata: a.packetized }));
  }
  const names = new Map<CtfWriter, Set<string>>();
  const writerFor = (c: Cursor): { w: StreamWriter; packet: unknown } => {
    let sw = streamWriters.get(c.stream);
    if (!sw) {
      const tw = writers.get(c.trace)!;
      const used = names.get(tw) ?? new Set<string>();
      names.set(tw, used);
      let base = path.basename(c.stream.name);
      for (let n = 1; used.has(base); n++) base = `${path.basename(c.stream.name)}-${n}`;
      used.add(base);
      sw = { w: tw.stream(c.stream.sc.id, base, BigInt(c.stream.id)), packet: undefined };
      streamWriters.set(c.stream, sw);
    }
    return sw;
  };
  iterate(opened, false, (c) => {
    if (c.item!.kind !== 'event') return true;
    const sw = writerFor(c);
    const p = c.packet!;
    if (sw.packet !== p) {
      sw.packet = p;
      // the source's own packet context fields (cpu_id…), after LTTng's
      const pcFields = c.stream.sc.packetContext?.fields ?? [];
      const extra = pcFields.flatMap((f, i) => (ROLE_FIELDS.has(f.name) ? [] : [c.packetValues?.[i]]));
      sw.w.beginPacket({ extra: extra as never, eventsDiscarded: p.discarded, begin: p.begin, end: p.end, seq: p.seq });
    }
    const vals = c.decodeBody(c.cs.values(c.ceIndex!));
    sw.w.event(c.ec!, c.clock ? c.cycles() : undefined, vals as never);
    return true;
  });
  for (const w of writers.values()) w.close();
  return 0;
}
