// TraceClass → TSDL text (CTF 1.8), every type written out in full so that
// babeltrace2, babeltrace 1.5 and Trace Compass need no aliases to read it.
import type { ClockClass, EnvValue, FieldType, IntegerType, StructType, TraceClass } from './model.js';
import { uuidToString } from './model.js';

/** a TSDL string literal, escaped (names may come from untrusted apps or traces) */
export function tsdlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED = new Set([
  'align', 'callsite', 'const', 'char', 'clock', 'double', 'enum', 'env', 'event', 'floating_point', 'float', 'integer', 'int',
  'long', 'short', 'signed', 'stream', 'string', 'struct', 'trace', 'typealias', 'typedef', 'unsigned', 'variant', 'void',
  '_Bool', '_Complex', '_Imaginary',
]);

function ident(name: string): string {
  if (!IDENT.test(name) || RESERVED.has(name)) throw new Error(`cannot write field name ${JSON.stringify(name)} in TSDL`);
  return name;
}

function intSpec(t: IntegerType): string {
  let s = `integer { size = ${t.size}; align = ${t.align}; signed = ${t.signed ? 1 : 0}; byte_order = ${t.byteOrder}; base = ${t.base};`;
  if (t.encoding !== 'none') s += ' encoding = UTF8;';
  if (t.mappedClock) s += ` map = clock.${ident(t.mappedClock)}.value;`;
  return s + ' }';
}

/** type specifier and the declarator suffix (`[3][len]`) for a field */
function spec(t: FieldType, ind: string): { type: string; dims: string } {
  switch (t.kind) {
    case 'int':
      return { type: intSpec(t), dims: '' };
    case 'float':
      return {
        type: `floating_point { exp_dig = ${t.expDig}; mant_dig = ${t.mantDig}; align = ${t.align}; byte_order = ${t.byteOrder}; }`,
        dims: '',
      };
    case 'string':
      return { type: `string { encoding = ${t.encoding === 'none' ? 'none' : 'UTF8'}; }`, dims: '' };
    case 'enum': {
      const entries = t.mappings.flatMap((m) =>
        m.ranges.map(([lo, hi]) => `${ind}\t${tsdlString(m.label)} = ${lo === hi ? lo : `${lo} ... ${hi}`},`),
      );
      return { type: `enum : ${intSpec(t.container)} {\n${entries.join('\n')}\n${ind}}`, dims: '' };
    }
    case 'struct':
      return { type: structSpec(t, ind), dims: '' };
    case 'variant': {
      const body = t.options.map((o) => field(o.name, o.type, ind + '\t')).join('\n');
      return { type: `variant <${t.tagPath}> {\n${body}\n${ind}}`, dims: '' };
    }
    case 'array':
    case 'sequence': {
      const inner = spec(t.element, ind);
      const d = t.kind === 'array' ? `[${t.length}]` : `[${t.lengthPath}]`;
      return { type: inner.type, dims: d + inner.dims };
    }
  }
}

function field(name: string, t: FieldType, ind: string): string {
  const s = spec(t, ind);
  return `${ind}${s.type} ${ident(name)}${s.dims};`;
}

export function structSpec(t: StructType, ind = ''): string {
  const body = t.fields.map((f) => field(f.name, f.type, ind + '\t')).join('\n');
  const explicitAlign = t.fields.reduce((a, f) => Math.max(a, f.type.align), 1);
  const align = t.align > explicitAlign ? ` align(${t.align})` : '';
  return t.fields.length ? `struct {\n${body}\n${ind}}${align}` : `struct { }${align}`;
}

function envValue(v: EnvValue): string {
  return typeof v === 'bigint' ? v.toString() : tsdlString(v);
}

function clockBlock(c: ClockClass): string {
  let s = `clock {\n\tname = ${ident(c.name)};\n`;
  if (c.uuid) s += `\tuuid = ${tsdlString(c.uuid)};\n`;
  if (c.description !== undefined) s += `\tdescription = ${tsdlString(c.description)};\n`;
  s += `\tfreq = ${c.freq};\n\tprecision = ${c.precision};\n\toffset_s = ${c.offsetSeconds};\n\toffset = ${c.offsetCycles};\n`;
  s += `\tabsolute = ${c.absolute ? 'true' : 'false'};\n};\n\n`;
  return s;
}

/** The whole metadata text of a trace class. */
export function generateTsdl(tc: TraceClass): string {
  let s = '/* CTF 1.8 */\n\n';
  s += `trace {\n\tmajor = 1;\n\tminor = 8;\n`;
  if (tc.uuid) s += `\tuuid = ${tsdlString(uuidToString(tc.uuid))};\n`;
  s += `\tbyte_order = ${tc.byteOrder};\n`;
  if (tc.packetHeader) s += `\tpacket.header := ${structSpec(tc.packetHeader, '\t')};\n`;
  s += '};\n\n';
  if (tc.env.size) {
    s += 'env {\n';
    for (const [k, v] of tc.env) s += `\t${ident(k)} = ${envValue(v)};\n`;
    s += '};\n\n';
  }
  for (const c of tc.clocks.values()) s += clockBlock(c);
  for (const sc of tc.streams.values()) {
    s += `stream {\n\tid = ${sc.id};\n`;
    if (sc.eventHeader) s += `\tevent.header := ${structSpec(sc.eventHeader, '\t')};\n`;
    if (sc.packetContext) s += `\tpacket.context := ${structSpec(sc.packetContext, '\t')};\n`;
    if (sc.eventContext) s += `\tevent.context := ${structSpec(sc.eventContext, '\t')};\n`;
    s += '};\n\n';
    for (const ec of sc.events.values()) {
      s += `event {\n\tname = ${tsdlString(ec.name)};\n\tid = ${ec.id};\n\tstream_id = ${sc.id};\n`;
      if (ec.logLevel !== undefined) s += `\tloglevel = ${ec.logLevel};\n`;
      if (ec.emfUri !== undefined) s += `\tmodel.emf.uri = ${tsdlString(ec.emfUri)};\n`;
      if (ec.context) s += `\tcontext := ${structSpec(ec.context, '\t')};\n`;
      if (ec.payload) s += `\tfields := ${structSpec(ec.payload, '\t')};\n`;
      s += '};\n\n';
    }
  }
  return s;
}
