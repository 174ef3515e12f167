// `save` / `load` on the daemon side: a session as LTTng's session
// configuration (session-xml.ts holds the format), the files written and
// read, and a loaded session rebuilt through the daemon's own queued
// operations, so a loaded session is checked as one made by hand.
import type { Client } from './client.js';
import type { OwnerFs } from './owner-fs.js';
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import type { ChannelAttributes, EventKind, LoglevelCriterion, Params, Result, SessionSummary, UstBuffers } from '../ctl/protocol.js';
import { defaultOutputPath, oneLine, validateSessionName } from './checks.js';
import { parseSessionsXml, sessionToXml, SessionXmlError } from './session-xml.js';
import type { SavedChannel, SavedEvent, SavedSession } from './session-xml.js';
import { Session } from './session.js';

/** a channel of either domain, as save reads it */
interface ChannelState {
  readonly name: string;
  readonly enabled: boolean;
  readonly attrs: ChannelAttributes;
  readonly rules: readonly { kind?: EventKind; pattern: string; enabled: boolean; filter?: string; loglevel?: LoglevelCriterion; exclusions?: readonly string[] }[];
  readonly contexts: readonly string[];
}

function savedChannel(c: ChannelState): SavedChannel {
  return {
    name: c.name,
    enabled: c.enabled,
    attributes: { ...c.attrs },
    events: c.rules.map((r) => {
      // user-space rules are tracepoints
      const e: SavedEvent = { kind: r.kind ?? 'tracepoint', name: r.pattern, enabled: r.enabled };
      if (r.filter !== undefined) e.filter = r.filter;
      if (r.loglevel) e.loglevel = { ...r.loglevel };
      if (r.exclusions?.length) e.exclusions = [...r.exclusions];
      return e;
    }),
    contexts: [...c.contexts],
  };
}

export function savedSession(s: Session): SavedSession {
  const out: SavedSession = { name: s.name, outputPath: s.outputPath, started: s.active };
  if (s.kernel) out.kernel = { channels: s.kernel.channels.map(savedChannel) };
  if (s.ust) out.ust = { buffers: s.ust.buffers, channels: s.ust.channels.map(savedChannel) };
  if (s.snapshotMode) out.snapshot = { outputs: s.snap.outputs.map((o) => ({ name: o.name, path: o.path, maxSize: o.maxSize })) };
  if (s.rot.timerUs > 0 || s.rot.sizeBytes > 0) out.rotation = { timerUs: s.rot.timerUs, sizeBytes: s.rot.sizeBytes };
  return out;
}

/** Writes `DIR/NAME.lttng` for each session; returns the files. */
export function writeSessionFiles(sessions: Session[], dir: string, force: boolean, ofs: OwnerFs): string[] {
  try {
    ofs.mkdir(dir);
  } catch (e) {
    throw new CtlError('SAVE_IO_FAIL', `Cannot create ${dir}: ${oneLine(e)}`);
  }
  const files: string[] = [];
  for (const s of sessions) {
    const f = path.join(dir, `${s.name}.lttng`);
    if (!force && ofs.exists(f)) throw new CtlError('SAVE_FILE_EXIST', `Session file already exists: ${f}`);
    try {
      ofs.writeFileAtomic(f, sessionToXml(savedSession(s)));
    } catch (e) {
      throw new CtlError('SAVE_IO_FAIL', `Cannot write ${f}: ${oneLine(e)}`);
    }
    files.push(f);
  }
  return files;
}

/** The sessions saved in a file, or in the `*.lttng` files of a directory (all, or the one named). */
export function readSessionFiles(input: string, name: string | undefined, ofs: OwnerFs): SavedSession[] {
  let files: string[];
  try {
    const st = ofs.stat(input);
    if (!st) throw new CtlError('LOAD_SESSION_NOENT', `Session configuration not found: ${input}`);
    files = st.isDirectory()
      ? ofs.readdir(input).filter((f) => f.endsWith('.lttng')).sort().map((f) => path.join(input, f))
      : [input];
  } catch (e) {
    if (e instanceof CtlError) throw e;
    // the client may not read it: say so (the daemon reads with the client's rights)
    throw new CtlError('EPERM', `Cannot read the session configuration ${input}: ${oneLine(e)}`);
  }
  const found: SavedSession[] = [];
  for (const f of files) {
    let list: SavedSession[];
    try {
      list = parseSessionsXml(ofs.readFile(f).toString('utf8'));
    } catch (e) {
      if (e instanceof SessionXmlError) throw new CtlError('LOAD_INVALID_CONFIG', `Invalid session configuration ${f}: ${e.message}`);
      throw new CtlError('LOAD_IO_FAIL', `Cannot read ${f}: ${oneLine(e)}`);
    }
    for (const s of list) if (name === undefined || s.name === name) found.push(s);
  }
  if (found.length === 0) {
    throw new CtlError('LOAD_SESSION_NOENT', name !== undefined ? `Session ${name} not found in ${input}` : `No session configuration found in ${input}`);
  }
  return found;
}

/** A new session with a saved one's name, output, snapshot outputs and rotation schedules (no domain yet). */
export function sessionFromSaved(saved: SavedSession, owner: Client): Session {
  validateSessionName(saved.name);
  const now = new Date();
  const s = new Session(saved.name, saved.outputPath ?? defaultOutputPath(owner.tracesDir, saved.name, now, false), now, owner);
  if (saved.snapshot) {
    s.snapshotMode = true;
    for (const o of saved.snapshot.outputs) s.snap.add(o.path, o.name, o.maxSize);
  }
  if (saved.rotation && !saved.snapshot) {
    s.rot.timerUs = saved.rotation.timerUs;
    s.rot.sizeBytes = saved.rotation.sizeBytes;
  }
  return s;
}

/** the operations a load goes through (SessionManager's, queued) */
export interface LoadTarget {
  /** adds sessionFromSaved(saved) to the daemon */
  restore(saved: SavedSession): Promise<SessionSummary>;
  enableChannel(p: Params<'channel.enable'>): Promise<unknown>;
  enableEvent(p: Params<'event.enable'>): Promise<Result<'event.enable'>>;
  disableEvent(p: Params<'event.disable'>): Promise<Result<'event.disable'>>;
  addContext(p: Params<'context.add'>): Promise<Result<'context.add'>>;
  start(p: Params<'session.start'>): Promise<Result<'session.start'>>;
  destroy(p: Params<'session.destroy'>): Promise<Result<'session.destroy'>>;
}

async function applyDomain(m: LoadTarget, session: string, domain: 'kernel' | 'ust', channels: SavedChannel[], buffers?: UstBuffers): Promise<void> {
  // a rule saved twice is enabled once
  const exists = domain === 'ust' ? 'UST_EVENT_EXIST' : 'KERN_EVENT_EXIST';
  for (const c of channels) {
    await m.enableChannel({ session, domain, name: c.name, attributes: c.attributes, ...(buffers ? { buffers } : {}) });
    for (const e of c.events) {
      const kind = domain === 'ust' ? 'tracepoint' : e.kind;
      const userSpace = domain === 'ust' ? { loglevel: e.loglevel, exclusions: e.exclusions } : {};
      await m.enableEvent({ session, domain, channel: c.name, kind, name: e.name, filter: e.filter, ...userSpace }).catch((err: unknown) => {
        if (!(err instanceof CtlError && err.code === exists)) throw err;
      });
      if (!e.enabled) await m.disableEvent({ session, domain, channel: c.name, kind, name: e.name });
    }
    for (const t of c.contexts) await m.addContext({ session, domain, channel: c.name, type: t });
  }
}

/** Loads one saved session; on failure, what was made of it is destroyed. */
export async function applySaved(m: LoadTarget, saved: SavedSession): Promise<void> {
  const { name } = await m.restore(saved);
  try {
    if (saved.kernel) await applyDomain(m, name, 'kernel', saved.kernel.channels);
    if (saved.ust) await applyDomain(m, name, 'ust', saved.ust.channels, saved.ust.buffers);
    if (saved.started) await m.start({ name });
  } catch (e) {
    await m.destroy({ name }).catch(() => undefined);
    if (e instanceof CtlError) throw new CtlError(e.code, `Session ${saved.name}: ${e.message}`);
    throw e;
  }
}
