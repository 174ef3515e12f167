// One JSON object per event, for scripts (`ttng view --format json`).
import { isUtf8 } from 'node:buffer';
import type { Value, VariantValue } from './decoder.js';
import type { FieldType, StructType } from './model.js';
import { displayName } from './metadata.js';
import type { Cursor } from './cursor.js';

function toJson(t: FieldType, v: Value | undefined): unknown {
  switch (t.kind) {
    case 'int':
      return typeof v === 'bigint' ? new RawNumber(v.toString()) : v;
    case 'enum': {
      const n = typeof v === 'bigint' ? v : BigInt(v as number);
      const labels = t.mappings.filter((m) => m.ranges.some(([lo, hi]) => n >= lo && n <= hi)).map((m) => m.label);
      return { value: typeof v === 'bigint' ? new RawNumber(v.toString()) : v, labels };
    }
    case 'float': {
      const x = v as number;
      return Number.isFinite(x) ? x : String(x);
    }
    case 'string':
      return v instanceof Uint8Array ? escapedText(v) : v;
    case 'struct':
      return structJson(t, v as Value[]);
    case 'variant': {
      const vv = v as VariantValue;
      const o = t.options[vv.sel]!;
      return { [displayName(o.name)]: toJson(o.type, vv.v) };
    }
    case 'array':
    case 'sequence': {
      const arr = v as number[];
      if (t.isText) {
        const end = arr.indexOf(0);
        return escapedText(Uint8Array.from(end < 0 ? arr : arr.slice(0, end)));
      }
      return (v as Value[]).map((e) => toJson(t.element, e));
    }
  }
}

/**
 * CTF strings are bytes. Valid UTF-8 is the text itself; each byte of an invalid
 * sequence becomes the lone surrogate U+DC80 + (byte - 0x80) (bytes < 0x80 are
 * always valid), as Python's "surrogateescape" does: JSON writes it `\udcXX`, and
 * no valid UTF-8 decodes to a lone surrogate, so the bytes come back exactly.
 */
export function escapedText(b: Uint8Array): string {
  const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (isUtf8(bytes)) return bytes.toString('utf8');
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n !== 0 && i + n <= bytes.length && isUtf8(bytes.subarray(i, i + n))) {
      out += bytes.toString('utf8', i, i + n);
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + c);
      i++;
    }
  }
  return out;
}

/** the bytes `escapedText` gave `s` for */
export function unescapedText(s: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xdc80 && u <= 0xdcff) {
      parts.push(Buffer.from(s.slice(from, i), 'utf8'), Buffer.of(u - 0xdc00));
      from = i + 1;
    } else if (u >= 0xd800 && u <= 0xdbff) i++; // a surrogate pair: one character
  }
  parts.push(Buffer.from(s.slice(from), 'utf8'));
  return Buffer.concat(parts);
}

function structJson(t: StructType, v: Value[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  t.fields.forEach((f, i) => {
    if (f.type.inIr === false) return;
    Object.defineProperty(o, displayName(f.name), { value: toJson(f.type, v[i]), enumerable: true, writable: true });
  });
  return o;
}

/** an integer beyond 2^53, written with all its digits */
class RawNumber {
  constructor(readonly digits: string) {}
}

function stringify(x: unknown): string {
  if (x instanceof RawNumber) return x.digits;
  if (Array.isArray(x)) return '[' + x.map(stringify).join(',') + ']';
  if (x && typeof x === 'object') {
    return '{' + Object.entries(x).map(([k, v]) => JSON.stringify(k) + ':' + stringify(v)).join(',') + '}';
  }
  return JSON.stringify(x) ?? 'null';
}

export function eventJson(c: Cursor, baseNs: bigint): string {
  const ec = c.ec!;
  const vals = c.decodeBody(c.cs.values(c.ceIndex!));
  const [sctx, ctx, payload] = [c.stream.sc.eventContext, ec.context, ec.payload];
  const o: Record<string, unknown> = {};
  if (c.clock) {
    o['timestamp'] = new RawNumber((baseNs + c.relNs()).toString());
    o['cycles'] = new RawNumber(c.cycles().toString());
  }
  o['name'] = ec.name;
  o['trace'] = c.trace.name;
  o['stream_class_id'] = c.stream.sc.id;
  o['stream_id'] = c.stream.id;
  const host = c.trace.tc.env.get('hostname');
  if (typeof host === 'string') o['hostname'] = host;
  if (c.packetValues && c.stream.sc.packetContext) o['packet_context'] = structJson(c.stream.sc.packetContext, c.packetValues);
  if (sctx) o['stream_context'] = structJson(sctx, vals[0]!);
  if (ctx) o['context'] = structJson(ctx, vals[1]!);
  if (payload) o['payload'] = structJson(payload, vals[2]!);
  return stringify(o);
}
