// Metadata text → TraceClass: the TSDL AST's top-level blocks (trace, env, clock,
// stream, event) become the model. Types are built by ./metadata-types.ts, then
// ./metadata-rules.ts applies babeltrace2's reading rules (roles, implicit clock,
// path resolution via ./metadata-scope.ts, what gets printed).
import { TsdlError } from './tsdl/lexer.js';
import { parseTsdl } from './tsdl/parser.js';
import type { Entry, Pos } from './tsdl/parser.js';
import type { ClockClass, EventClass, StreamClass, TraceClass } from './model.js';
import { uuidFromString } from './model.js';
import { Builder, Scope, boolOf, err, intOf, strOf } from './metadata-types.js';
import { applyReadingRules } from './metadata-rules.js';

export { TsdlError };
export { cloneType } from './metadata-types.js';
export { displayName } from './metadata-rules.js';

export interface ParseMetadataOptions {
  /** accept trace versions other than 1.8 (babeltrace 1 did) */
  lenientVersion?: boolean;
}

type Block = Entry & { k: 'block' };

interface PendingEvent {
  ev: EventClass;
  pos: Pos;
  hasStreamId: boolean;
  hasId: boolean;
}

export function parseMetadata(text: string, opts: ParseMetadataOptions = {}): TraceClass {
  const ast = parseTsdl(text);
  const b = new Builder();
  b.traceByteOrder = traceByteOrder(ast);
  const tc: TraceClass = { major: -1, minor: -1, byteOrder: b.traceByteOrder, env: new Map(), clocks: b.clocks, streams: new Map() };
  const pendingEvents: PendingEvent[] = [];
  let sawTrace = false;
  for (const e of ast) {
    if (e.k !== 'block') {
      if (e.k === 'field' || e.k === 'attr' || e.k === 'typeassign') err(e, 'unexpected declaration at top level');
      b.declare(e, b.root);
      continue;
    }
    const scope = new Scope(b.root);
    switch (e.block) {
      case 'trace':
        if (sawTrace) err(e, 'duplicate "trace" block');
        sawTrace = true;
        traceBlock(e, b, scope, tc, opts);
        break;
      case 'env':
        envBlock(e, tc);
        break;
      case 'clock':
        clockBlock(e, b);
        break;
      case 'stream':
        streamBlock(e, b, scope, tc);
        break;
      case 'event':
        pendingEvents.push(eventBlock(e, b, scope));
        break;
      case 'callsite':
        break;
    }
  }
  if (!sawTrace) throw new TsdlError('missing "trace" block', 1, 1);
  for (const p of pendingEvents) attachEvent(p, tc);
  applyReadingRules(tc, b.pos);
  return tc;
}

/** The trace byte order is needed before any type is built ("native"). */
function traceByteOrder(ast: Entry[]): 'le' | 'be' {
  let order: 'le' | 'be' = 'le';
  for (const e of ast) {
    if (e.k !== 'block' || e.block !== 'trace') continue;
    for (const a of e.body) {
      if (a.k === 'attr' && a.key === 'byte_order') {
        const s = strOf(a.value);
        if (s === 'le' || s === 'little') order = 'le';
        else if (s === 'be' || s === 'big' || s === 'network') order = 'be';
        else err(a, `invalid trace byte order "${s}": expecting le or be`);
      }
    }
  }
  return order;
}

function traceBlock(e: Block, b: Builder, scope: Scope, tc: TraceClass, opts: ParseMetadataOptions): void {
  let major: bigint | undefined;
  let minor: bigint | undefined;
  for (const a of e.body) {
    if (a.k === 'attr') {
      if (a.key === 'major') major = intOf(a.value, 'trace major');
      else if (a.key === 'minor') minor = intOf(a.value, 'trace minor');
      else if (a.key === 'uuid') {
        const u = uuidFromString(strOf(a.value));
        if (!u) err(a, `malformed trace UUID "${strOf(a.value)}"`);
        tc.uuid = u;
      }
    } else if (a.k === 'typeassign') {
      if (a.key === 'packet.header') tc.packetHeader = b.structOf(a, scope, 'trace packet.header');
    } else b.declare(a, scope);
  }
  if (major === undefined) err(e, 'missing "major" attribute in trace block');
  if (minor === undefined) err(e, 'missing "minor" attribute in trace block');
  if (!opts.lenientVersion && (major !== 1n || minor !== 8n)) err(e, `unsupported trace version ${major}.${minor}: expecting 1.8`);
  tc.major = Number(major);
  tc.minor = Number(minor);
}

function envBlock(e: Block, tc: TraceClass): void {
  for (const a of e.body) {
    if (a.k !== 'attr') err(a, 'unexpected entry in env block');
    tc.env.set(a.key, a.value.k === 'int' ? a.value.v : a.value.v);
  }
}

function clockBlock(e: Block, b: Builder): void {
  const c: ClockClass = { name: '', freq: 1000000000n, offsetSeconds: 0n, offsetCycles: 0n, precision: 0n, absolute: false };
  for (const a of e.body) {
    if (a.k !== 'attr') err(a, 'unexpected entry in clock block');
    const v = a.value;
    switch (a.key) {
      case 'name': c.name = strOf(v); break;
      case 'uuid': c.uuid = strOf(v); break;
      case 'description': c.description = strOf(v); break;
      case 'freq': c.freq = intOf(v, 'clock freq'); if (c.freq <= 0n) err(a, 'clock frequency must be positive'); break;
      case 'precision': c.precision = intOf(v, 'clock precision'); break;
      case 'offset_s': c.offsetSeconds = intOf(v, 'clock offset_s'); break;
      case 'offset': c.offsetCycles = intOf(v, 'clock offset'); break;
      case 'absolute': c.absolute = boolOf(v, 'clock absolute'); break;
      default: break;
    }
  }
  if (!c.name) err(e, 'clock block is missing its "name" attribute');
  if (b.clocks.has(c.name)) err(e, `duplicate clock "${c.name}"`);
  // babeltrace2 keeps the cycles part below one second
  if (c.offsetCycles >= c.freq || c.offsetCycles < 0n) {
    let s = c.offsetCycles / c.freq;
    let r = c.offsetCycles % c.freq;
    if (r < 0n) {
      r += c.freq;
      s -= 1n;
    }
    c.offsetSeconds += s;
    c.offsetCycles = r;
  }
  b.clocks.set(c.name, c);
}

function streamBlock(e: Block, b: Builder, scope: Scope, tc: TraceClass): void {
  const sc: StreamClass = { id: -1, events: new Map() };
  for (const a of e.body) {
    if (a.k === 'attr') {
      if (a.key === 'id') sc.id = Number(intOf(a.value, 'stream id'));
    } else if (a.k === 'typeassign') {
      if (a.key === 'event.header') sc.eventHeader = b.structOf(a, scope, 'stream event.header');
      else if (a.key === 'event.context') sc.eventContext = b.structOf(a, scope, 'stream event.context');
      else if (a.key === 'packet.context') sc.packetContext = b.structOf(a, scope, 'stream packet.context');
    } else b.declare(a, scope);
  }
  if (sc.id < 0) {
    if (tc.streams.size > 0) err(e, 'stream block is missing its "id" attribute');
    sc.id = 0;
  }
  if (tc.streams.has(sc.id)) err(e, `duplicate stream class id ${sc.id}`);
  tc.streams.set(sc.id, sc);
}

function eventBlock(e: Block, b: Builder, scope: Scope): PendingEvent {
  const ev: EventClass = { id: -1, name: '', streamId: -1 };
  let hasStreamId = false;
  let hasId = false;
  for (const a of e.body) {
    if (a.k === 'attr') {
      switch (a.key) {
        case 'name': ev.name = strOf(a.value); break;
        case 'id': ev.id = Number(intOf(a.value, 'event id')); hasId = true; break;
        case 'stream_id': ev.streamId = Number(intOf(a.value, 'event stream_id')); hasStreamId = true; break;
        case 'loglevel': ev.logLevel = Number(intOf(a.value, 'event loglevel')); break;
        case 'model.emf.uri': ev.emfUri = strOf(a.value); break;
        default: break;
      }
    } else if (a.k === 'typeassign') {
      if (a.key === 'context') ev.context = b.structOf(a, scope, 'event context');
      else if (a.key === 'fields') ev.payload = b.structOf(a, scope, 'event fields');
      // other names: ignored, as babeltrace2 does (with a warning)
    } else b.declare(a, scope);
  }
  if (!ev.name) err(e, 'event block is missing its "name" attribute');
  return { ev, pos: e, hasStreamId, hasId };
}

/** An event joins its stream class once all stream blocks are known (they may come after it). */
function attachEvent({ ev, pos, hasStreamId, hasId }: PendingEvent, tc: TraceClass): void {
  if (!hasStreamId) {
    if (tc.streams.size > 1) err(pos, `event "${ev.name}" has no stream_id and the trace has several stream classes`);
    ev.streamId = tc.streams.size === 1 ? [...tc.streams.keys()][0]! : 0;
  }
  let sc = tc.streams.get(ev.streamId);
  if (!sc) {
    if (tc.streams.size > 0 || hasStreamId && ev.streamId !== 0) err(pos, `event "${ev.name}" refers to unknown stream class ${ev.streamId}`);
    sc = { id: 0, events: new Map() };
    tc.streams.set(0, sc);
  }
  if (!hasId) {
    if (sc.events.size > 0) err(pos, `event "${ev.name}" is missing its "id" attribute`);
    ev.id = 0;
  }
  if (sc.events.has(ev.id)) err(pos, `duplicate event id ${ev.id} in stream class ${sc.id}`);
  sc.events.set(ev.id, ev);
}
