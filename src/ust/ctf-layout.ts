// The CTF layout of user-space traces, as LTTng-UST 2.13 declares it: packet
// header and context (with cpu_id = stream number), the compact event header
// (5-bit id + 27-bit timestamp, id 31 escapes to a 32-bit id and a 64-bit
// timestamp; LTTng-tools picks "large" for every channel, ttng picks compact
// because it makes the common event 2 bytes shorter), event classes from
// UstEventDecl with LTTng's field naming (`_name`, sequence lengths
// `__name_length`), the env block and the `monotonic` clock shared with the
// kernel trace. The daemon writes `metadata` from these pieces; the app's
// writers (./writer-gen.ts) lay payloads out to match fieldLayout().
import * as os from 'node:os';
import type { ClockClass, EnvValue, EventClass, FieldType, IntegerType, StreamClass, StructType, TraceClass } from '../ctf/model.js';
import { uuidFromString } from '../ctf/model.js';
import { generateTsdl, structSpec, tsdlString } from '../ctf/tsdl-writer.js';
import { lttngPacketHeader, lttngStreamClass } from '../ctf/writer.js';
import { creationDatetime, measureClockOffset } from '../ctl/time.js';
import { VERSION } from '../ctl/version.js';
import type { UstContextName, UstEventDecl, UstIntegerDecl, UstTypeDecl } from './protocol.js';
import * as fs from 'node:fs';

const int = (d: UstIntegerDecl, opts: Partial<IntegerType> = {}): IntegerType => ({
  kind: 'int', size: d.size, align: 8, signed: d.signed, byteOrder: 'le', base: d.base, encoding: 'none', ...opts,
});

/** char elements of ctf_array_text / ctf_sequence_text, as LTTng-UST declares them */
const textElement = (): IntegerType => ({ kind: 'int', size: 8, align: 8, signed: true, byteOrder: 'le', base: 10, encoding: 'utf8' });

/** CTF type of a field (sequences: the element part; the length is its own field) */
export function ustFieldType(t: UstTypeDecl, lengthPath = ''): FieldType {
  switch (t.type) {
    case 'integer':
      return int(t);
    case 'float':
      return t.size === 32
        ? { kind: 'float', expDig: 8, mantDig: 24, byteOrder: 'le', align: 8 }
        : { kind: 'float', expDig: 11, mantDig: 53, byteOrder: 'le', align: 8 };
    case 'string':
      return { kind: 'string', align: 8, encoding: 'utf8' };
    case 'enum':
      return {
        kind: 'enum', align: 8, container: int(t.container),
        mappings: t.mappings.map((m) => ({ label: m.label, ranges: [[BigInt(m.start), BigInt(m.end)] as [bigint, bigint]] })),
      };
    case 'array':
      return { kind: 'array', length: t.length, align: 8, isText: !!t.text, element: t.text ? textElement() : int(t.element) };
    case 'sequence':
      return { kind: 'sequence', lengthPath, align: 8, isText: !!t.text, element: t.text ? textElement() : int(t.element) };
  }
}

/** the payload struct of an event: `_field`, and `__field_length` before each sequence */
export function ustPayload(decl: UstEventDecl): StructType {
  const fields: { name: string; type: FieldType }[] = [];
  for (const f of decl.fields) {
    if (f.type.type === 'sequence') {
      const len = `__${f.name}_length`;
      fields.push({ name: len, type: int(f.type.lengthType) });
      fields.push({ name: `_${f.name}`, type: ustFieldType(f.type, len) });
    } else fields.push({ name: `_${f.name}`, type: ustFieldType(f.type) });
  }
  return { kind: 'struct', align: 8, fields };
}

export function ustEventClass(decl: UstEventDecl, id: number, streamId: number): EventClass {
  return { id, name: decl.name, streamId, logLevel: decl.loglevel, payload: ustPayload(decl) };
}

/** context fields as LTTng-UST declares them (`add-context -u -t`) */
export function ustContextField(name: UstContextName): { name: string; type: FieldType } {
  const i = (size: 32 | 64, signed: boolean, base: 10 | 16 = 10): FieldType => int({ type: 'integer', size, signed, base });
  switch (name) {
    case 'vpid':
    case 'vtid':
    case 'cpu_id':
      return { name: `_${name}`, type: i(32, true) };
    case 'vuid':
    case 'vgid':
      return { name: `_${name}`, type: i(32, false) };
    case 'pthread_id':
      return { name: '_pthread_id', type: i(64, false) };
    case 'ip':
      return { name: '_ip', type: i(64, false, 16) };
    case 'procname':
      return { name: '_procname', type: { kind: 'array', length: 17, align: 8, isText: true, element: textElement() } };
  }
}

export { CONTEXT_BYTES } from './contexts.js';

export function ustEventContext(contexts: readonly UstContextName[]): StructType | undefined {
  if (!contexts.length) return undefined;
  return { kind: 'struct', align: 8, fields: contexts.map(ustContextField) };
}

/** the stream class of one UST channel */
export function ustStreamClass(id: number, clock: ClockClass, contexts: readonly UstContextName[], events: EventClass[] = []): StreamClass {
  return lttngStreamClass({
    id, clock, header: 'compact', packetContextExtra: [{ name: 'cpu_id', type: int({ type: 'integer', size: 32, signed: false, base: 10 }) }],
    eventContext: ustEventContext(contexts), events,
  });
}

function readFirstLine(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `monotonic` clock of LTTng traces: CLOCK_MONOTONIC ns, uuid = boot_id,
 * offset = realtime − monotonic. Pass the kernel trace's offset when the session
 * has both domains so that their events interleave exactly.
 */
export function ustClockClass(offsetNs: bigint = measureClockOffset()): ClockClass {
  return {
    name: 'monotonic', freq: 1_000_000_000n, offsetSeconds: offsetNs / 1_000_000_000n, offsetCycles: offsetNs % 1_000_000_000n,
    precision: 1n, uuid: readFirstLine('/proc/sys/kernel/random/boot_id'), description: 'Monotonic Clock', absolute: false,
  };
}

export interface UstEnvOptions {
  traceName: string;
  buffers: 'uid' | 'pid';
  /** tracer_buffering_id: the uid (per-uid buffers) or the pid (per-pid) */
  bufferingId: number;
  /** per-pid buffers: the app's name and registration time */
  procname?: string;
  vpidDatetime?: Date;
  created?: Date;
  hostname?: string;
}

/** the env block of LTTng-UST 2.13, plus `ttng_version` */
export function ustEnv(o: UstEnvOptions): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  env.set('domain', 'ust');
  env.set('tracer_name', 'lttng-ust');
  env.set('tracer_major', 2n);
  env.set('tracer_minor', 13n);
  env.set('tracer_buffering_scheme', o.buffers);
  env.set('tracer_buffering_id', BigInt(o.bufferingId));
  if (o.buffers === 'pid') {
    env.set('vpid', BigInt(o.bufferingId));
    if (o.procname !== undefined) env.set('procname', o.procname);
    env.set('vpid_datetime', creationDatetime(o.vpidDatetime ?? new Date()));
  }
  env.set('architecture_bit_width', 64n);
  env.set('trace_name', o.traceName);
  env.set('trace_creation_datetime', creationDatetime(o.created ?? new Date()));
  env.set('hostname', o.hostname ?? os.hostname());
  env.set('ttng_version', VERSION);
  return env;
}

/** the whole trace class of a UST trace directory */
export function ustTraceClass(uuid: Uint8Array | string, env: Map<string, EnvValue>, clock: ClockClass, streams: StreamClass[]): TraceClass {
  const u = typeof uuid === 'string' ? uuidFromString(uuid.length === 32 ? uuid.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') : uuid) : uuid;
  if (!u) throw new Error(`bad trace uuid ${String(uuid)}`);
  return {
    major: 1, minor: 8, uuid: u, byteOrder: 'le', packetHeader: lttngPacketHeader(), env,
    clocks: new Map([[clock.name, clock]]), streams: new Map(streams.map((s) => [s.id, s])),
  };
}

/** metadata text: trace, env, clock, stream classes and the event classes they hold */
export function ustMetadata(tc: TraceClass): string {
  return generateTsdl(tc);
}

/** the metadata text of one event class, to append to `metadata` after the head */
export function ustEventTsdl(ec: EventClass): string {
  let s = `event {\n\tname = ${tsdlString(ec.name)};\n\tid = ${ec.id};\n\tstream_id = ${ec.streamId};\n`;
  if (ec.logLevel !== undefined) s += `\tloglevel = ${ec.logLevel};\n`;
  if (ec.context) s += `\tcontext := ${structSpec(ec.context, '\t')};\n`;
  s += `\tfields := ${structSpec(ec.payload ?? { kind: 'struct', align: 8, fields: [] }, '\t')};\n`;
  return s + '};\n\n';
}
