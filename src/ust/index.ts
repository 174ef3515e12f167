// `ttng/ust`: user-space tracepoints for Node.js, recorded by ttng-sessiond
// into LTTng-UST-compatible CTF traces.
//
//   import { provider, tracef } from 'ttng/ust';
//   const ints3 = provider('bench').event('ints3', [['a', 's32'], ['b', 'u32'], ['c', 's64']]);
//   ints3.emit(1, 2, 3n);                  // one branch when disabled
//   if (ints3.enabled) ints3.emit(...);    // skip computing arguments
//
// Each JS thread (main or worker) registers on its own with the daemon and
// writes its own shared-memory buffers. With no daemon, nothing is recorded
// and an emit costs one branch; the thread attaches when a daemon appears.
import { format } from 'node:util';
import { UST_DEFAULT_LOGLEVEL, UST_LOGLEVELS, type UstEventDecl, type UstLoglevelName } from './protocol.js';
import { fieldList, UstDeclError, type ArgsOf, type FieldList, type FieldObject } from './fields.js';
import { declare, events, type EventEntry } from './runtime.js';
import { registerTimeoutMs, registrationSettled, startRegistration } from './registration.js';

export { UST_LOGLEVELS, UST_DEFAULT_LOGLEVEL } from './protocol.js';
export type { UstLoglevelName, UstEventDecl, UstTypeDecl, UstFieldDecl } from './protocol.js';
export type { FieldSpec, FieldList, FieldObject, ArgsOf, ValueOf, IntSpec } from './fields.js';
export { UstDeclError } from './fields.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface EventOptions {
  /** LTTng-UST log level (name without TRACE_, or 0–14); default DEBUG_LINE */
  loglevel?: UstLoglevelName | number;
}

function loglevelOf(l: UstLoglevelName | number | undefined, where: string): number {
  if (l === undefined) return UST_DEFAULT_LOGLEVEL;
  if (typeof l === 'number' && Number.isInteger(l) && l >= 0 && l <= 14) return l;
  if (typeof l === 'string') {
    const k = l.replace(/^TRACE_/, '') as UstLoglevelName;
    if (k in UST_LOGLEVELS) return UST_LOGLEVELS[k];
  }
  throw new UstDeclError(`${where}: unknown log level ${JSON.stringify(l)}`);
}

/** one tracepoint */
export class UstEvent<A extends readonly unknown[] = unknown[]> {
  /** `provider:event` */
  readonly name: string;
  readonly decl: UstEventDecl;
  /** records the event (arguments in declaration order) where it is enabled */
  readonly emit: (...args: A) => void;
  private readonly entry: EventEntry;

  /** @internal */
  constructor(entry: EventEntry) {
    this.entry = entry;
    this.name = entry.decl.name;
    this.decl = entry.decl;
    this.emit = entry.emit as unknown as (...args: A) => void;
  }

  /** true when some session records this event in this thread */
  get enabled(): boolean {
    return this.entry.st.t !== null;
  }

  /** emits dropped because an argument could not be written (wrong type) */
  get errors(): number {
    return this.entry.st.errors;
  }
}

const declared = new Map<string, UstEvent<readonly unknown[]>>();

function sameDecl(a: UstEventDecl, b: UstEventDecl): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function define<A extends readonly unknown[]>(decl: UstEventDecl): UstEvent<A> {
  const have = declared.get(decl.name);
  if (have) {
    if (!sameDecl(have.decl, decl)) throw new UstDeclError(`event ${decl.name} is already declared with other fields or log level`);
    return have as unknown as UstEvent<A>;
  }
  startRegistration();
  const ev = new UstEvent<A>(declare(decl));
  declared.set(decl.name, ev as unknown as UstEvent<readonly unknown[]>);
  return ev;
}

export class Provider {
  constructor(readonly name: string) {}

  /**
   * Declares `PROVIDER:name`. Fields: `[['a', 's32'], ['b', 'string']]`
   * (typed positional arguments) or `{ a: 's32', b: 'string' }`.
   */
  event<const F extends FieldList | FieldObject>(name: string, fields: F, opts: EventOptions = {}): UstEvent<ArgsOf<F> extends readonly unknown[] ? ArgsOf<F> : unknown[]> {
    if (typeof name !== 'string' || !NAME.test(name) || name.length > 200) throw new UstDeclError(`bad event name ${JSON.stringify(name)}`);
    const full = `${this.name}:${name}`;
    return define({ name: full, loglevel: loglevelOf(opts.loglevel, full), fields: fieldList(fields, full) });
  }
}

/** a tracepoint provider (`lttng_ust_tracepoint` provider name) */
export function provider(name: string): Provider {
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 200) throw new UstDeclError(`bad provider name ${JSON.stringify(name)}`);
  return new Provider(name);
}

/* --------------------------- tracef / tracelog --------------------------- */

const tracefEvent = define<[string]>({
  name: 'lttng_ust_tracef:event', loglevel: UST_LOGLEVELS.DEBUG,
  fields: [{ name: 'msg', type: { type: 'sequence', lengthType: { type: 'integer', size: 32, signed: false, base: 10 }, element: { type: 'integer', size: 8, signed: true, base: 10 }, text: true } }],
});

const tracelogEvents = new Map<number, UstEvent<[number, string, string, string]>>();
for (const [level, value] of Object.entries(UST_LOGLEVELS)) {
  tracelogEvents.set(
    value,
    define({
      name: `lttng_ust_tracelog:LTTNG_UST_TRACEPOINT_LOGLEVEL_${level}`, loglevel: value,
      fields: [
        { name: 'line', type: { type: 'integer', size: 32, signed: true, base: 10 } },
        { name: 'file', type: { type: 'string' } },
        { name: 'func', type: { type: 'string' } },
        { name: 'msg', type: { type: 'sequence', lengthType: { type: 'integer', size: 32, signed: false, base: 10 }, element: { type: 'integer', size: 8, signed: true, base: 10 }, text: true } },
      ],
    }),
  );
}

/** `lttng_ust_tracef:event`: a printf-style message (util.format), formatted only when enabled */
export function tracef(fmt: string, ...args: unknown[]): void {
  if (!tracefEvent.enabled) return;
  try {
    tracefEvent.emit(format(fmt, ...args));
  } catch {
    /* a throwing toString: nothing recorded */
  }
}

function caller(): { file: string; line: number; func: string } {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 3;
  Error.captureStackTrace(holder, tracelog);
  Error.stackTraceLimit = limit;
  const frame = (holder.stack ?? '').split('\n')[1] ?? '';
  const m = /^\s*at (?:(.*?) \()?(.*?):(\d+):\d+\)?$/.exec(frame);
  if (!m) return { file: '', line: 0, func: '' };
  return { func: m[1] ?? '', file: m[2]!.replace(/^file:\/\//, ''), line: Number(m[3]) };
}

/** `lttng_ust_tracelog:LTTNG_UST_TRACEPOINT_LOGLEVEL_<LEVEL>` with the caller's file, line and function */
export function tracelog(level: UstLoglevelName | number, fmt: string, ...args: unknown[]): void {
  const v = typeof level === 'number' ? level : UST_LOGLEVELS[level.replace(/^TRACE_/, '') as UstLoglevelName];
  const ev = v === undefined ? undefined : tracelogEvents.get(v);
  if (!ev || !ev.enabled) return;
  try {
    const c = caller();
    ev.emit(c.line, c.file, c.func, format(fmt, ...args));
  } catch {
    /* nothing recorded */
  }
}

/**
 * Resolves once this thread is registered with a session daemon and has its
 * enabled events (so the events it emits next are recorded), or once it is
 * clear there is no daemon, or after `timeoutMs` (default TTNG_UST_REGISTER_TIMEOUT,
 * else 3000 ms, as LTTng-UST waits at start-up). Never rejects.
 */
export function ready(timeoutMs: number = registerTimeoutMs()): Promise<void> {
  return registrationSettled(timeoutMs);
}

/** every event this thread declared (tests, tools) */
export function declaredEvents(): UstEventDecl[] {
  return [...events.values()].map((e) => e.decl);
}
