// `ttng save` / `ttng load`: LTTng's session configuration format (XML,
// `tools@2.13:src/common/config/session.xsd`), the subset ttng uses: session
// name, output path, started flag, snapshot mode and snapshot outputs,
// rotation schedules, and per domain the channels with their attributes,
// event rules (tracepoint and syscall, filters, enabled flag) and contexts.
// Elements ttng does not know are skipped on load.
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

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

class XmlOut {
  private lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  private depth = 0;
  open(tag: string): void {
    this.lines.push('\t'.repeat(this.depth) + `<${tag}>`);
    this.depth++;
  }
  close(tag: string): void {
    this.depth--;
    this.lines.push('\t'.repeat(this.depth) + `</${tag}>`);
  }
  leaf(tag: string, value: string | number | boolean): void {
    this.lines.push('\t'.repeat(this.depth) + `<${tag}>${esc(String(value))}</${tag}>`);
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

export function sessionToXml(s: SavedSession): string {
  const x = new XmlOut();
  x.open('sessions');
  x.open('session');
  x.leaf('name', s.name);
  x.open('domains');
  const domains: [string, string, SavedChannel[]][] = [];
  if (s.kernel) domains.push(['KERNEL', 'GLOBAL', s.kernel.channels]);
  if (s.ust) domains.push(['UST', s.ust.buffers === 'pid' ? 'PER_PID' : 'PER_UID', s.ust.channels]);
  for (const [dtype, btype, chans] of domains) {
    x.open('domain');
    x.leaf('type', dtype);
    x.leaf('buffer_type', btype);
    x.open('channels');
    for (const c of chans) {
      const a = c.attributes;
      x.open('channel');
      x.leaf('name', c.name);
      x.leaf('enabled', c.enabled);
      x.leaf('overwrite_mode', a.overwrite ? 'OVERWRITE' : 'DISCARD');
      x.leaf('subbuffer_size', a.subbufSize);
      x.leaf('subbuffer_count', a.numSubbuf);
      x.leaf('switch_timer_interval', a.switchTimerUs);
      x.leaf('read_timer_interval', a.readTimerUs);
      x.leaf('output_type', a.output === 'mmap' ? 'MMAP' : 'SPLICE');
      x.leaf('tracefile_size', a.tracefileSize);
      x.leaf('tracefile_count', a.tracefileCount);
      x.leaf('live_timer_interval', 0);
      x.leaf('monitor_timer_interval', a.monitorTimerUs);
      x.leaf('blocking_timeout', a.blockingTimeoutUs);
      x.open('events');
      for (const e of c.events) {
        x.open('event');
        x.leaf('name', e.name);
        x.leaf('enabled', e.enabled);
        x.leaf('type', e.kind === 'syscall' ? 'SYSCALL' : 'TRACEPOINT');
        if (e.kind === 'tracepoint') {
          x.leaf('loglevel_type', e.loglevel ? (e.loglevel.type === 'range' ? 'RANGE' : 'SINGLE') : 'ALL');
          x.leaf('loglevel', e.loglevel ? e.loglevel.level : dtype === 'UST' ? -1 : 0);
        }
        if (e.filter !== undefined) x.leaf('filter', e.filter);
        if (e.exclusions?.length) {
          x.open('exclusions');
          for (const n of e.exclusions) x.leaf('exclusion', n);
          x.close('exclusions');
        }
        x.close('event');
      }
      x.close('events');
      x.open('contexts');
      for (const t of c.contexts) {
        x.open('context');
        x.leaf('type', t.toUpperCase());
        x.close('context');
      }
      x.close('contexts');
      x.close('channel');
    }
    x.close('channels');
    // trackers that track everything are not written (as LTTng saves them)
    x.close('domain');
  }
  x.close('domains');
  x.leaf('started', s.started);
  x.open('attributes');
  // as LTTng writes them: snapshot_mode only when set, rotation_schedules only when there is one
  if (s.snapshot) x.leaf('snapshot_mode', true);
  const rot = s.rotation;
  if (rot && (rot.timerUs > 0 || rot.sizeBytes > 0)) {
    x.open('rotation_schedules');
    if (rot.timerUs > 0) {
      x.open('periodic');
      x.leaf('time_us', rot.timerUs);
      x.close('periodic');
    }
    if (rot.sizeBytes > 0) {
      x.open('size_threshold');
      x.leaf('bytes', rot.sizeBytes);
      x.close('size_threshold');
    }
    x.close('rotation_schedules');
  }
  x.close('attributes');
  if (s.snapshot) {
    x.open('output');
    x.open('snapshot_outputs');
    for (const o of s.snapshot.outputs) {
      x.open('output');
      x.leaf('name', o.name);
      x.leaf('max_size', o.maxSize);
      x.open('consumer_output');
      x.leaf('enabled', true);
      x.open('destination');
      x.leaf('path', o.path);
      x.close('destination');
      x.close('consumer_output');
      x.close('output');
    }
    x.close('snapshot_outputs');
    x.close('output');
  } else if (s.outputPath !== undefined) {
    x.open('output');
    x.open('consumer_output');
    x.leaf('enabled', true);
    x.open('destination');
    x.leaf('path', s.outputPath);
    x.close('destination');
    x.close('consumer_output');
    x.close('output');
  }
  x.close('session');
  x.close('sessions');
  return x.text();
}

/* ------------------------------- reading ------------------------------- */

export class SessionXmlError extends Error {}

interface XmlElement {
  tag: string;
  children: XmlElement[];
  text: string;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    switch (e) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}

/** A small XML reader: elements, text, comments, CDATA, declarations; attributes ignored. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const n = src.length;
  const fail = (what: string): never => {
    const line = src.slice(0, i).split('\n').length;
    throw new SessionXmlError(`line ${line}: ${what}`);
  };
  const skipMisc = (): void => {
    for (;;) {
      while (i < n && /\s/.test(src[i]!)) i++;
      if (src.startsWith('<?', i)) {
        const e = src.indexOf('?>', i);
        if (e < 0) fail('unterminated declaration');
        i = e + 2;
      } else if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (src.startsWith('<!DOCTYPE', i)) {
        const e = src.indexOf('>', i);
        if (e < 0) fail('unterminated DOCTYPE');
        i = e + 1;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (src[i] !== '<') fail('expected an element');
    const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(src.slice(i, i + 4096));
    if (!m) fail('malformed start tag');
    const el: XmlElement = { tag: m![1]!, children: [], text: '' };
    i += m![0].length;
    if (m![3] === '/') return el;
    for (;;) {
      if (i >= n) fail(`unterminated element <${el.tag}>`);
      if (src.startsWith('</', i)) {
        const cm = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(src.slice(i, i + 512));
        if (!cm || cm[1] !== el.tag) fail(`mismatched end tag for <${el.tag}>`);
        i += cm![0].length;
        return el;
      }
      if (src.startsWith('<!--', i)) {
        const e = src.indexOf('-->', i);
        if (e < 0) fail('unterminated comment');
        i = e + 3;
      } else if (src.startsWith('<![CDATA[', i)) {
        const e = src.indexOf(']]>', i);
        if (e < 0) fail('unterminated CDATA');
        el.text += src.slice(i + 9, e);
        i = e + 3;
      } else if (src[i] === '<') {
        el.children.push(element());
      } else {
        const e = src.indexOf('<', i);
        el.text += decodeEntities(src.slice(i, e < 0 ? n : e));
        i = e < 0 ? n : e;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i < n) fail('content after the root element');
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
  throw new SessionXmlError(`<${tag}>: expected a boolean, got "${t}"`);
}
function intOf(el: XmlElement, tag: string, dflt: number): number {
  const t = textOf(el, tag);
  if (t === undefined || t === '') return dflt;
  if (!/^-?[0-9]+$/.test(t)) throw new SessionXmlError(`<${tag}>: expected an integer, got "${t}"`);
  return Number(t);
}

/** The sessions of one session configuration file. Throws SessionXmlError. */
export function parseSessionsXml(text: string): SavedSession[] {
  const root = parseXml(text);
  if (root.tag !== 'sessions') throw new SessionXmlError(`root element is <${root.tag}>, expected <sessions>`);
  const out: SavedSession[] = [];
  for (const s of children(root, 'session')) {
    const name = textOf(s, 'name');
    if (!name) throw new SessionXmlError('a <session> has no <name>');
    const saved: SavedSession = { name, started: boolOf(s, 'started', false) };
    const attrs = child(s, 'attributes');
    if (attrs && intOf(attrs, 'live_timer_interval', 0) !== 0) throw new SessionXmlError(`session ${name}: live sessions are not supported yet`);
    const output = child(s, 'output');
    if (attrs && boolOf(attrs, 'snapshot_mode', false)) {
      const outputs: SavedSnapshotOutput[] = [];
      for (const o of children(output && child(output, 'snapshot_outputs'), 'output')) {
        const oname = textOf(o, 'name');
        const co = child(o, 'consumer_output');
        const dest = co && child(co, 'destination');
        if (dest && child(dest, 'net_output')) throw new SessionXmlError(`session ${name}: network snapshot outputs are not supported yet`);
        const p = dest && textOf(dest, 'path');
        if (!oname || !p) throw new SessionXmlError(`session ${name}: a snapshot <output> needs a <name> and a <path>`);
        const maxSize = intOf(o, 'max_size', 0);
        if (maxSize < 0) throw new SessionXmlError(`session ${name}: <max_size>: expected a size, got ${maxSize}`);
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
      if (timerUs < 0 || sizeBytes < 0) throw new SessionXmlError(`session ${name}: negative rotation schedule`);
      if (timerUs > 0 || sizeBytes > 0) saved.rotation = { timerUs, sizeBytes };
    }
    const consumer = output && child(output, 'consumer_output');
    if (!saved.snapshot && consumer && boolOf(consumer, 'enabled', true)) {
      const dest = child(consumer, 'destination');
      const p = dest && textOf(dest, 'path');
      if (dest && child(dest, 'net_output')) throw new SessionXmlError(`session ${name}: network output is not supported yet`);
      if (p) saved.outputPath = p;
    }
    for (const d of children(child(s, 'domains'), 'domain')) {
      const dtype = textOf(d, 'type');
      if (dtype !== 'KERNEL' && dtype !== 'UST') {
        throw new SessionXmlError(`session ${name}: the ${dtype ?? '?'} domain is not supported yet`);
      }
      const btype = textOf(d, 'buffer_type');
      const buffers: UstBuffers = btype === 'PER_PID' ? 'pid' : 'uid';
      const channels: SavedChannel[] = [];
      for (const c of children(child(d, 'channels'), 'channel')) {
        const cname = textOf(c, 'name');
        if (!cname) throw new SessionXmlError(`session ${name}: a <channel> has no <name>`);
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
          else throw new SessionXmlError(`session ${name}: ${type} events are not supported yet`);
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
          if (!t) throw new SessionXmlError(`session ${name}: perf and application contexts are not supported yet`);
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
