// Pure parsers for the text files tracefs describes its binary formats with:
// `events/header_page`, `events/header_event`, each event's `format`, and the
// per-CPU `stats`. Nothing here reads files; callers pass the text read at run
// time, so that no offset or size is ever hard-coded.

export class FormatError extends Error {}

/** One `field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;` line. */
export interface FtraceField {
  /** C type as written, without the name and array suffix (`unsigned long`, `__data_loc char[]`) */
  type: string;
  name: string;
  offset: number;
  size: number;
  signed: boolean;
  /** `T name[N]`: N; `T name[]` (flexible array at the end of the record): 0 */
  arrayLength?: number;
  /** `__data_loc T[] name` (u32: offset | length << 16) or `__rel_loc` (offset relative to the field's end) */
  dynamic?: 'data_loc' | 'rel_loc';
}

export interface EventFormat {
  system: string;
  name: string;
  /** the kernel's `common_type` for this event */
  id: number;
  /** the `common_*` fields */
  common: FtraceField[];
  /** the event's own fields, in offset order */
  fields: FtraceField[];
}

const FIELD_LINE = /^\s*field:\s*(.+?);\s*offset:\s*(\d+);\s*size:\s*(\d+);\s*(?:signed:\s*(-?\d+);)?/;

/** Parses one field line; undefined when the line is not a field line. */
export function parseFieldLine(line: string): FtraceField | undefined {
  const m = FIELD_LINE.exec(line);
  if (!m) return undefined;
  const decl = m[1]!.trim();
  const offset = Number(m[2]);
  const size = Number(m[3]);
  const signed = m[4] !== undefined && m[4] !== '0';
  // name is the last identifier, optionally followed by [N] or []
  const dm = /^(.*?)\s*\b([A-Za-z_][A-Za-z0-9_]*)\s*(\[\s*([^\]]*)\s*\])?$/.exec(decl);
  if (!dm) throw new FormatError(`cannot read field declaration "${decl}"`);
  let type = dm[1]!.trim();
  const name = dm[2]!;
  const f: FtraceField = { type, name, offset, size, signed };
  if (dm[3] !== undefined) {
    const n = dm[4]!.trim();
    if (n === '') f.arrayLength = 0;
    else if (/^\d+$/.test(n)) f.arrayLength = Number(n);
    else throw new FormatError(`field ${name}: array length "${n}" is not a number`);
  }
  if (type.startsWith('__data_loc') || type.startsWith('__rel_loc')) {
    f.dynamic = type.startsWith('__data_loc') ? 'data_loc' : 'rel_loc';
    type = type.replace(/^__(data|rel)_loc\s*/, '');
    f.type = type;
  }
  if (!type) throw new FormatError(`field ${name} has no type`);
  return f;
}

/** Parses an event's `format` file. `system` is the directory it came from. */
export function parseEventFormat(text: string, system = ''): EventFormat {
  let name: string | undefined;
  let id: number | undefined;
  const common: FtraceField[] = [];
  const fields: FtraceField[] = [];
  let inFormat = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('name:')) name = line.slice(5).trim();
    else if (line.startsWith('ID:')) {
      const v = line.slice(3).trim();
      if (!/^\d+$/.test(v)) throw new FormatError(`bad event ID "${v}"`);
      id = Number(v);
    } else if (line.startsWith('format:')) inFormat = true;
    else if (line.startsWith('print fmt:')) break;
    else if (inFormat) {
      const f = parseFieldLine(line);
      if (!f) continue;
      (f.name.startsWith('common_') ? common : fields).push(f);
    }
  }
  if (name === undefined) throw new FormatError('format has no "name:" line');
  if (id === undefined) throw new FormatError(`format of ${name} has no "ID:" line`);
  if (id > 0xffff) throw new FormatError(`event ${name}: ID ${id} does not fit common_type (u16)`);
  const ct = common.find((f) => f.name === 'common_type');
  if (!ct || ct.offset !== 0 || ct.size !== 2) throw new FormatError(`event ${name}: no 2-byte common_type at offset 0`);
  fields.sort((a, b) => a.offset - b.offset);
  return { system, name, id, common, fields };
}

/** `events/header_page`: where the page timestamp, commit word and data are. */
export interface HeaderPage {
  timestampOffset: number;
  timestampSize: number;
  commitOffset: number;
  commitSize: number;
  dataOffset: number;
  /** bytes of event data a page holds (sub-buffer size − header) */
  dataSize: number;
}

export function parseHeaderPage(text: string): HeaderPage {
  const byName = new Map<string, FtraceField>();
  for (const line of text.split('\n')) {
    const f = parseFieldLine(line);
    if (f) byName.set(f.name, f);
  }
  const ts = byName.get('timestamp');
  const commit = byName.get('commit');
  const data = byName.get('data');
  if (!ts || !commit || !data) throw new FormatError('header_page lacks timestamp, commit or data');
  if (ts.size !== 8) throw new FormatError(`header_page: ${ts.size}-byte timestamp is not supported`);
  if (commit.size !== 8 && commit.size !== 4) throw new FormatError(`header_page: ${commit.size}-byte commit is not supported`);
  if (data.offset < commit.offset + commit.size || data.offset % 4 !== 0) throw new FormatError('header_page: unexpected data offset');
  return {
    timestampOffset: ts.offset, timestampSize: ts.size,
    commitOffset: commit.offset, commitSize: commit.size,
    dataOffset: data.offset, dataSize: data.size,
  };
}

/** `events/header_event`: the compressed record header. */
export interface HeaderEvent {
  typeLenBits: number;
  timeDeltaBits: number;
  arrayBits: number;
  padding: number;
  timeExtend: number;
  timeStamp: number;
  dataMaxTypeLen: number;
}

export function parseHeaderEvent(text: string): HeaderEvent {
  const bits = (name: string): number | undefined => {
    const m = new RegExp(`^\\s*${name}\\s*:\\s*(\\d+)\\s*bits`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const type = (name: string): number | undefined => {
    const m = new RegExp(`^\\s*${name}\\s*:\\s*type\\s*==\\s*(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const maxm = /data max type_len\s*==\s*(\d+)/.exec(text);
  const he: HeaderEvent = {
    typeLenBits: bits('type_len') ?? -1,
    timeDeltaBits: bits('time_delta') ?? -1,
    arrayBits: bits('array') ?? -1,
    padding: type('padding') ?? -1,
    timeExtend: type('time_extend') ?? -1,
    timeStamp: type('time_stamp') ?? -1,
    dataMaxTypeLen: maxm ? Number(maxm[1]) : -1,
  };
  if (he.typeLenBits !== 5 || he.timeDeltaBits !== 27 || he.arrayBits !== 32)
    throw new FormatError(`header_event: unsupported record header (type_len ${he.typeLenBits} bits, time_delta ${he.timeDeltaBits} bits)`);
  if (he.padding < 0 || he.timeExtend < 0 || he.timeStamp < 0 || he.dataMaxTypeLen < 0) throw new FormatError('header_event: missing record types');
  if (he.dataMaxTypeLen >= he.padding) throw new FormatError('header_event: data type_len overlaps the special types');
  return he;
}

/** per_cpu/cpuN/stats, the counters ttng needs (missing lines read as 0). */
export interface CpuStats {
  entries: number;
  overrun: number;
  commitOverrun: number;
  bytes: number;
  droppedEvents: number;
  readEvents: number;
}

export function parseStats(text: string): CpuStats {
  const get = (k: string): number => {
    const m = new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    entries: get('entries'), overrun: get('overrun'), commitOverrun: get('commit overrun'),
    bytes: get('bytes'), droppedEvents: get('dropped events'), readEvents: get('read events'),
  };
}

/** `available_events` lines `system:name`. */
export function parseAvailableEvents(text: string): { system: string; name: string }[] {
  const out: { system: string; name: string }[] = [];
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out.push({ system: line.slice(0, i).trim(), name: line.slice(i + 1).trim() });
  }
  return out;
}
