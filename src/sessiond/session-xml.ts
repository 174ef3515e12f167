// `ttng save` / `ttng load`: LTTng's session configuration format (XML,
// `tools@2.13:src/common/config/session.xsd`), the subset ttng uses: session
// name, output path, started flag, snapshot mode and snapshot outputs,
// rotation schedules, and per domain the channels with their attributes,
// event rules (tracepoint and syscall, filters, enabled flag) and contexts.
// Elements ttng does not know are skipped on load. fast-xml-parser reads and
// writes the XML; this file maps it to SavedSession and back.
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { ChannelAttributes, EventKind, LoglevelCriterion, UstBuffers } from '../ctl/protocol.js';
import { KERNEL_CHANNEL_DEFAULTS, UST_PID_CHANNEL_DEFAULTS, UST_UID_CHANNEL_DEFAULTS } from '../ctl/protocol.js';

export interface SavedEvent {
  kind: EventKind;
  name: string;
  enabled: boolean;
  filter?: string;
  /** user space */
  loglevel?: LoglevelCriterion;
  exclusions?: string[];
}

export interface SavedChannel {
  name: string;
  enabled: boolean;
  attributes: ChannelAttributes;
  /** oldest first */
  events: SavedEvent[];
  contexts: string[];
}

export interface SavedSession {
  name: string;
  /** absolute output directory, or undefined for none */
  outputPath?: string;
  started: boolean;
  kernel?: { channels: SavedChannel[] };
  ust?: { buffers: UstBuffers; channels: SavedChannel[] };
  /** a snapshot session (`create --snapshot`) and its snapshot outputs */
  snapshot?: { outputs: SavedSnapshotOutput[] };
  /** `enable-rotation` schedules (0: none) */
  rotation?: { timerUs: number; sizeBytes: number };
}

export interface SavedSnapshotOutput {
  name: string;
  path: string;
  /** bytes, 0: no limit */
  maxSize: number;
}

/* ------------------------------- writing ------------------------------- */

/** an element: its children, or a leaf's text */
type Xml = [tag: string, content: Xml[] | string | number | boolean];

function channelXml(c: SavedChannel, dtype: string): Xml {
  const a = c.attributes;
  const events: Xml[] = c.events.map((e) => {
    const ev: Xml[] = [['name', e.name], ['enabled', e.enabled], ['type', e.kind === 'syscall' ? 'SYSCALL' : 'TRACEPOINT']];
    if (e.kind === 'tracepoint') {
      ev.push(['loglevel_type', e.loglevel ? (e.loglevel.type === 'range' ? 'RANGE' : 'SINGLE') : 'ALL']);
      ev.push(['loglevel', e.loglevel ? e.loglevel.level : dtype === 'UST' ? -1 : 0]);
    }
    if (e.filter !== undefined) ev.push(['filter', e.filter]);
    if (e.exclusions?.length) ev.push(['exclusions', e.exclusions.map((n): Xml => ['exclusion', n])]);
    return ['event', ev];
  });
  return [
    'channel',
    [
      ['name', c.name],
      ['enabled', c.enabled],
      ['overwrite_mode', a.overwrite ? 'OVERWRITE' : 'DISCARD'],
      ['subbuffer_size', a.subbufSize],
      ['subbuffer_count', a.numSubbuf],
      ['switch_timer_interval', a.switchTimerUs],
      ['read_timer_interval', a.readTimerUs],
      ['output_type', a.output === 'mmap' ? 'MMAP' : 'SPLICE'],
      ['tracefile_size', a.tracefileSize],
      ['tracefile_count', a.tracefileCount],
      ['live_timer_interval', 0],
      ['monitor_timer_interval', a.monitorTimerUs],
      ['blocking_timeout', a.blockingTimeoutUs],
      ['events', events],
      ['contexts', c.contexts.map((t): Xml => ['context', [['type', t.toUpperCase()]]])],
    ],
  ];
}

function consumerOutputXml(path: string): Xml {
  return ['consumer_output', [['enabled', true], ['destination', [['path', path]]]]];
}

function sessionXml(s: SavedSession): Xml {
  const domains: Xml[] = [];
  // trackers that track everything are not written (as LTTng saves them)
  if (s.kernel) domains.push(['domain', [['type', 'KERNEL'], ['buffer_type', 'GLOBAL'], ['channels', s.kernel.channels.map((c) => channelXml(c, 'KERNEL'))]]]);
  if (s.ust) {
    const btype = s.ust.buffers === 'pid' ? 'PER_PID' : 'PER_UID';
    domains.push(['domain', [['type', 'UST'], ['buffer_type', btype], ['channels', s.ust.channels.map((c) => channelXml(c, 'UST'))]]]);
  }
  // as LTTng writes them: snapshot_mode only when set, rotation_schedules only when there is one
  const attributes: Xml[] = s.snapshot ? [['snapshot_mode', true]] : [];
  const rot = s.rotation;
  if (rot && (rot.timerUs > 0 || rot.sizeBytes > 0)) {
    const sched: Xml[] = [];
    if (rot.timerUs > 0) sched.push(['periodic', [['time_us', rot.timerUs]]]);
    if (rot.sizeBytes > 0) sched.push(['size_threshold', [['bytes', rot.sizeBytes]]]);
    attributes.push(['rotation_schedules', sched]);
  }
  const session: Xml[] = [['name', s.name], ['domains', domains], ['started', s.started], ['attributes', attributes]];
  if (s.snapshot) {
    const outputs = s.snapshot.outputs.map((o): Xml => ['output', [['name', o.name], ['max_size', o.maxSize], consumerOutputXml(o.path)]]);
    session.push(['output', [['snapshot_outputs', outputs]]]);
  } else if (s.outputPath !== undefined) {
    session.push(['output', [consumerOutputXml(s.outputPath)]]);
  }
  return ['sessions', [['session', session]]];
}

/** fast-xml-parser's ordered form: `{ tag: children }`, `{ '#text': value }`, attributes under ':@' */
type OrderedNode = { [key: string]: OrderedNode[] | string | number | boolean | Record<string, string> };

function ordered([tag, content]: Xml, depth: number): OrderedNode {
  if (!Array.isArray(content)) return { [tag]: [{ '#text': content }] };
  // an empty element keeps its start and end tags on two lines, as ttng has always written it
  return { [tag]: content.length ? content.map((c) => ordered(c, depth + 1)) : [{ '#text': `\n${'\t'.repeat(depth)}` }] };
}

const builder = new XMLBuilder({ preserveOrder: true, format: true, indentBy: '\t', ignoreAttributes: false, suppressEmptyNode: false });
const DECLARATION: OrderedNode = { '?xml': [{ '#text': '' }], ':@': { '@_version': '1.0', '@_encoding': 'UTF-8' } };

export function sessionToXml(s: SavedSession): string {
  return `${builder.build([DECLARATION, ordered(sessionXml(s), 0)])}\n`;
}

/* ------------------------------- reading ------------------------------- */

export class SessionXmlError extends Error {}

/** LTTng's files nest 10 deep; deeper is not a session file, and would cost stack */
export const MAX_XML_DEPTH = 64;

interface XmlElement {
  tag: string;
  children: XmlElement[];
  text: string;
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * XML's own entities and character references (the library's default reads
 * numeric ones only in its deprecated HTML mode); a DOCTYPE's entities are
 * not expanded, as ttng never did (LTTng's files have none).
 */
const entityDecoder = {
  setExternalEntities: (): void => undefined,
  addInputEntities: (): void => undefined,
  reset: (): void => undefined,
  setXmlVersion: (): void => undefined,
  decode: (text: string): string =>
    text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (ref, e: string) => {
      if (e[0] !== '#') return XML_ENTITIES[e]!;
      const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      if (!(cp <= 0x10ffff)) throw new SessionXmlError(`invalid character reference ${shown(ref)}`);
      return String.fromCodePoint(cp);
    }),
};

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // the root is not counted
  maxNestedTags: MAX_XML_DEPTH - 1,
  entityDecoder,
  // where the root element ends: the parser drops text after it
  captureMetaData: true,
});
const META = XMLParser.getMetaDataSymbol() as unknown as symbol;

/** a text from the file in a message: one line, of a readable length */
function shown(s: string): string {
  const l = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    const j = JSON.stringify(c).slice(1, -1);
    return j !== c ? j : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return l.length > 200 ? `${l.slice(0, 200)}…` : l;
}

/** The validator's findings, worded as ttng's own reader worded them where it had a word. */
function validationError(err: { msg: string; line: number }, src: string): SessionXmlError {
  const m = err.msg;
  let what = m;
  let line = err.line;
  let r: RegExpExecArray | null;
  if ((r = /^Expected closing tag '(.*)' \(opened in line \d+, col \d+\) instead of closing tag '.*'\.$/s.exec(m))) what = `mismatched end tag for <${r[1]}>`;
  else if ((r = /^Unclosed tag '(.*)'\.$/s.exec(m))) what = `unterminated element <${r[1]}>`;
  else if ((r = /^Invalid '(\[.*\])' found\.$/s.exec(m))) {
    // several unclosed elements: name the innermost
    let open: unknown;
    try {
      open = JSON.parse(r[1]!);
    } catch {
      open = undefined;
    }
    if (Array.isArray(open) && typeof open[open.length - 1] === 'string') what = `unterminated element <${open[open.length - 1] as string}>`;
    // (the validator gives no line for this one; the end of the file is where it shows)
    line = src.split('\n').length;
  } else if (m === 'Multiple possible root nodes found.' || m === 'Extra text at the end') what = 'content after the root element';
  else if (m === 'Start tag expected.') what = 'expected an element';
  return new SessionXmlError(`line ${line}: ${shown(what)}`);
}

function toElement(tag: string, nodes: OrderedNode[]): XmlElement {
  const el: XmlElement = { tag, children: [], text: '' };
  for (const n of nodes) {
    for (const [k, v] of Object.entries(n)) {
      if (k === '#text') el.text += String(v);
      else if (k !== ':@') el.children.push(toElement(k, v as OrderedNode[]));
    }
  }
  return el;
}

/** Reads one XML document: elements and their text (CDATA included); attributes, comments and PIs are skipped. */
export function parseXml(src: string): XmlElement {
  const v = XMLValidator.validate(src);
  if (v !== true) throw validationError(v.err, src);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(src) as OrderedNode[];
  } catch (e) {
    // the library's own refusals are plain Errors; anything else is a bug and propagates
    if (!(e instanceof Error) || e.constructor !== Error) throw e;
    if (e.message === 'Maximum nested tags exceeded') throw new SessionXmlError(`elements nested more than ${MAX_XML_DEPTH} deep`);
    throw new SessionXmlError(shown(e.message));
  }
  // the validator lets character references, CDATA and empty elements through outside the root
  const top = toElement('', nodes);
  const root = top.children[0];
  if (!root) throw new SessionXmlError('line 1: expected an element');
  const [first, second] = nodes.filter((n) => !Object.hasOwn(n, '#text')).map((n) => (n as Record<symbol, { startIndex: number; endIndex?: number }>)[META]);
  if (second) throw new SessionXmlError(`line ${src.slice(0, second.startIndex).split('\n').length}: content after the root element`);
  const after = first?.endIndex === undefined ? '' : src.slice(first.endIndex).replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>/g, '');
  if (!/^[ \t\r\n]*$/.test(top.text + after)) throw new SessionXmlError(`content outside the root element <${shown(root.tag)}>`);
  return root;
}

function child(el: XmlElement, tag: string): XmlElement | undefined {
  return el.children.find((c) => c.tag === tag);
}
function children(el: XmlElement | undefined, tag: string): XmlElement[] {
  return el ? el.children.filter((c) => c.tag === tag) : [];
}
function textOf(el: XmlElement, tag: string): string | undefined {
  const c = child(el, tag);
  return c ? c.text.trim() : undefined;
}
function boolOf(el: XmlElement, tag: string, dflt: boolean): boolean {
  const t = textOf(el, tag);
  if (t === undefined || t === '') return dflt;
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new SessionXmlError(`<${tag}>: expected a boolean, got "${shown(t)}"`);
}
function intOf(el: XmlElement, tag: string, dflt: number): number {
  const t = textOf(el, tag);
  if (t === undefined || t === '') return dflt;
  if (!/^-?[0-9]+$/.test(t)) throw new SessionXmlError(`<${tag}>: expected an integer, got "${shown(t)}"`);
  return Number(t);
}

/** The sessions of one session configuration file. Throws SessionXmlError. */
export function parseSessionsXml(text: string): SavedSession[] {
  const root = parseXml(text);
  if (root.tag !== 'sessions') throw new SessionXmlError(`root element is <${shown(root.tag)}>, expected <sessions>`);
  const out: SavedSession[] = [];
  for (const s of children(root, 'session')) {
    const name = textOf(s, 'name');
    if (!name) throw new SessionXmlError('a <session> has no <name>');
    const saved: SavedSession = { name, started: boolOf(s, 'started', false) };
    const attrs = child(s, 'attributes');
    if (attrs && intOf(attrs, 'live_timer_interval', 0) !== 0) throw new SessionXmlError(`session ${shown(name)}: live sessions are not supported yet`);
    const output = child(s, 'output');
    if (attrs && boolOf(attrs, 'snapshot_mode', false)) {
      const outputs: SavedSnapshotOutput[] = [];
      for (const o of children(output && child(output, 'snapshot_outputs'), 'output')) {
        const oname = textOf(o, 'name');
        const co = child(o, 'consumer_output');
        const dest = co && child(co, 'destination');
        if (dest && child(dest, 'net_output')) throw new SessionXmlError(`session ${shown(name)}: network snapshot outputs are not supported yet`);
        const p = dest && textOf(dest, 'path');
        if (!oname || !p) throw new SessionXmlError(`session ${shown(name)}: a snapshot <output> needs a <name> and a <path>`);
        const maxSize = intOf(o, 'max_size', 0);
        if (maxSize < 0) throw new SessionXmlError(`session ${shown(name)}: <max_size>: expected a size, got ${maxSize}`);
        outputs.push({ name: oname, path: p, maxSize });
      }
      saved.snapshot = { outputs };
      if (outputs[0]) saved.outputPath = outputs[0].path;
    }
    const sched = attrs && child(attrs, 'rotation_schedules');
    if (sched) {
      const periodic = child(sched, 'periodic');
      const size = child(sched, 'size_threshold');
      const timerUs = periodic ? intOf(periodic, 'time_us', 0) : 0;
      const sizeBytes = size ? intOf(size, 'bytes', 0) : 0;
      if (timerUs < 0 || sizeBytes < 0) throw new SessionXmlError(`session ${shown(name)}: negative rotation schedule`);
      if (timerUs > 0 || sizeBytes > 0) saved.rotation = { timerUs, sizeBytes };
    }
    const consumer = output && child(output, 'consumer_output');
    if (!saved.snapshot && consumer && boolOf(consumer, 'enabled', true)) {
      const dest = child(consumer, 'destination');
      const p = dest && textOf(dest, 'path');
      if (dest && child(dest, 'net_output')) throw new SessionXmlError(`session ${shown(name)}: network output is not supported yet`);
      if (p) saved.outputPath = p;
    }
    for (const d of children(child(s, 'domains'), 'domain')) {
      const dtype = textOf(d, 'type');
      if (dtype !== 'KERNEL' && dtype !== 'UST') {
        throw new SessionXmlError(`session ${shown(name)}: the ${shown(dtype ?? '?')} domain is not supported yet`);
      }
      const btype = textOf(d, 'buffer_type');
      const buffers: UstBuffers = btype === 'PER_PID' ? 'pid' : 'uid';
      const channels: SavedChannel[] = [];
      for (const c of children(child(d, 'channels'), 'channel')) {
        const cname = textOf(c, 'name');
        if (!cname) throw new SessionXmlError(`session ${shown(name)}: a <channel> has no <name>`);
        const D = dtype === 'UST' ? (buffers === 'pid' ? UST_PID_CHANNEL_DEFAULTS : UST_UID_CHANNEL_DEFAULTS) : KERNEL_CHANNEL_DEFAULTS;
        const mode = textOf(c, 'overwrite_mode') ?? 'DISCARD';
        const outType = textOf(c, 'output_type') ?? (dtype === 'UST' ? 'MMAP' : 'SPLICE');
        const attributes: ChannelAttributes = {
          subbufSize: intOf(c, 'subbuffer_size', D.subbufSize),
          numSubbuf: intOf(c, 'subbuffer_count', D.numSubbuf),
          switchTimerUs: intOf(c, 'switch_timer_interval', D.switchTimerUs),
          readTimerUs: intOf(c, 'read_timer_interval', D.readTimerUs),
          monitorTimerUs: intOf(c, 'monitor_timer_interval', D.monitorTimerUs),
          blockingTimeoutUs: intOf(c, 'blocking_timeout', D.blockingTimeoutUs),
          overwrite: mode === 'OVERWRITE',
          tracefileSize: intOf(c, 'tracefile_size', D.tracefileSize),
          tracefileCount: intOf(c, 'tracefile_count', D.tracefileCount),
          output: outType === 'MMAP' ? 'mmap' : 'splice',
        };
        const events: SavedEvent[] = [];
        for (const e of children(child(c, 'events'), 'event')) {
          const type = textOf(e, 'type') ?? 'TRACEPOINT';
          let kind: EventKind;
          if (type === 'TRACEPOINT') kind = 'tracepoint';
          else if (type === 'SYSCALL') kind = 'syscall';
          else throw new SessionXmlError(`session ${shown(name)}: ${shown(type)} events are not supported yet`);
          const ev: SavedEvent = { kind, name: textOf(e, 'name') || '*', enabled: boolOf(e, 'enabled', true) };
          const f = child(e, 'filter');
          if (f) ev.filter = f.text;
          if (dtype === 'UST') {
            const lt = textOf(e, 'loglevel_type') ?? 'ALL';
            const level = intOf(e, 'loglevel', -1);
            if ((lt === 'RANGE' || lt === 'SINGLE') && level >= 0) ev.loglevel = { type: lt === 'RANGE' ? 'range' : 'single', level };
            const xs = children(child(e, 'exclusions'), 'exclusion').map((x) => x.text);
            if (xs.length) ev.exclusions = xs;
          }
          events.push(ev);
        }
        const contexts: string[] = [];
        for (const x of children(child(c, 'contexts'), 'context')) {
          const t = textOf(x, 'type');
          if (!t) throw new SessionXmlError(`session ${shown(name)}: perf and application contexts are not supported yet`);
          contexts.push(t.toLowerCase());
        }
        channels.push({ name: cname, enabled: boolOf(c, 'enabled', true), attributes, events, contexts });
      }
      if (dtype === 'UST') saved.ust = { buffers, channels };
      else saved.kernel = { channels };
    }
    out.push(saved);
  }
  return out;
}
