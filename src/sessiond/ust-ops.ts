// The control-protocol operations of the user-space domain (`-u`), with
// LTTng 2.13's checks and error codes. sessions.ts calls these for
// `domain: 'ust'`, inside its operation queue.
import type { OutputFs } from '../output/fs.js';
import { CtlError, DEFAULT_CHANNEL_NAME, UST_PID_CHANNEL_DEFAULTS, UST_UID_CHANNEL_DEFAULTS } from '../ctl/protocol.js';
import type { ChannelAttributes, ChannelInfo, Params, Result, UstBuffers } from '../ctl/protocol.js';
import { UST_CONTEXTS } from '../ust/protocol.js';
import type { UstContextName } from '../ust/protocol.js';
import { FilterError, parseFilter } from '../filter/filter.js';
import type { UstApps } from '../ust-consumer/apps.js';
import { isGlob, globMatch } from '../filter/glob.js';
import { makeRule, UstSession } from '../ust-consumer/session.js';
import type { UstChannel } from '../ust-consumer/session.js';
import { isPow2, u32, validateChannelName, checkChannelMemory } from './checks.js';

/** what ust-ops needs of a session (session.ts's Session) */
export interface UstHost {
  readonly name: string;
  readonly outputPath: string;
  hasBeenStarted: boolean;
  /** flight recorder (`create --snapshot`): channels in overwrite mode, read by snapshots only */
  readonly snapshotMode: boolean;
  ust: UstSession | undefined;
  /** the session owner: its files are made with this identity */
  readonly owner: { readonly fs: OutputFs };
}

export interface UstOpsContext {
  apps: UstApps;
  log(msg: string): void;
}

export function ustChannelDefaults(buffers: UstBuffers): ChannelAttributes {
  return { ...(buffers === 'pid' ? UST_PID_CHANNEL_DEFAULTS : UST_UID_CHANNEL_DEFAULTS) };
}

/** the daemon's side of `enable-channel -u` validation */
export function validateUstChannelAttributes(a: ChannelAttributes): void {
  const bad = (msg: string): never => {
    throw new CtlError('INVALID', msg);
  };
  if (!isPow2(a.subbufSize)) bad(`Invalid sub-buffer size ${a.subbufSize}: must be a power of 2`);
  if (a.subbufSize < 4096) bad(`Invalid sub-buffer size ${a.subbufSize}: must be at least the page size (4096 bytes)`);
  if (a.subbufSize > 1 << 30) bad(`Invalid sub-buffer size ${a.subbufSize}: at most 1 GiB`);
  if (!isPow2(a.numSubbuf)) bad(`Invalid sub-buffer count ${a.numSubbuf}: must be a power of 2`);
  if (a.numSubbuf < 2) bad('A user space channel needs at least 2 sub-buffers');
  if (a.subbufSize * a.numSubbuf > 1 << 30) bad('A user space channel buffer may not exceed 1 GiB per thread');
  if (!u32(a.switchTimerUs)) bad(`Invalid switch timer ${String(a.switchTimerUs)}`);
  if (!u32(a.readTimerUs)) bad(`Invalid read timer ${String(a.readTimerUs)}`);
  if (typeof a.monitorTimerUs !== 'number' || !Number.isSafeInteger(a.monitorTimerUs) || a.monitorTimerUs < 0) bad(`Invalid monitor timer ${String(a.monitorTimerUs)}`);
  if (typeof a.overwrite !== 'boolean') bad('Invalid event-loss mode');
  if (a.output !== 'mmap') throw new CtlError('NOT_SUPPORTED');
  // a traced app never waits for the consumer (DESIGN.md): no blocking mode
  if (a.blockingTimeoutUs !== 0) throw new CtlError('NOT_SUPPORTED', 'Operation not supported: a traced app never blocks (--blocking-timeout must be 0)');
  if (!Number.isSafeInteger(a.tracefileSize) || a.tracefileSize < 0) bad(`Invalid trace file size ${String(a.tracefileSize)}`);
  if (!u32(a.tracefileCount)) bad(`Invalid trace file count ${String(a.tracefileCount)}`);
  if (a.tracefileSize === 0 && a.tracefileCount > 0) bad("Missing option --tracefile-size. A file count without a size won't do anything.");
  // a stream file holds whole packets, and a packet is a sub-buffer
  if (a.tracefileSize > 0 && a.tracefileSize < a.subbufSize) bad(`Invalid trace file size ${a.tracefileSize}: must be at least the sub-buffer size (${a.subbufSize} bytes)`);
}

function domain(ctx: UstOpsContext, s: UstHost): UstSession {
  s.ust ??= new UstSession(s.name, s.outputPath, ctx.apps, ctx.log, s.snapshotMode, s.owner.fs);
  return s.ust;
}

function addChannel(ctx: UstOpsContext, s: UstHost, name: string, given: ChannelAttributes, buffers: UstBuffers): UstChannel {
  validateChannelName(name);
  // as LTTng: a snapshot session's channels overwrite their oldest data
  const attrs: ChannelAttributes = s.snapshotMode ? { ...given, overwrite: true } : given;
  validateUstChannelAttributes(attrs);
  checkChannelMemory(attrs);
  if (s.ust?.channel(name)) throw new CtlError('UST_CHAN_EXIST');
  if (s.ust && s.ust.channels.length > 0 && s.ust.buffers !== buffers) throw new CtlError('BUFFER_TYPE_MISMATCH');
  if (s.hasBeenStarted) throw new CtlError('TRACE_ALREADY_STARTED');
  const c = domain(ctx, s).addChannel(name, attrs, buffers);
  if (name !== DEFAULT_CHANNEL_NAME) s.ust!.hasNonDefaultChannel = true;
  return c;
}

export function ustEnableChannel(ctx: UstOpsContext, s: UstHost, p: Params<'channel.enable'>): ChannelInfo {
  const buffers: UstBuffers = p.buffers ?? s.ust?.buffers ?? 'uid';
  if (buffers !== 'uid' && buffers !== 'pid') throw new CtlError('INVALID', `Unknown buffer type ${String(buffers)}`);
  const attrs: ChannelAttributes = { ...ustChannelDefaults(buffers), ...(p.attributes ?? {}) };
  addChannel(ctx, s, p.name, attrs, buffers);
  return s.ust!.domainInfo().channels.find((c) => c.name === p.name)!;
}

function channelName(s: UstHost, channel: string | undefined): string {
  if (channel === undefined || channel === '') {
    if (s.ust?.hasNonDefaultChannel) throw new CtlError('NEED_CHANNEL_NAME');
    return DEFAULT_CHANNEL_NAME;
  }
  return channel;
}

/** the channel an event command names, created with the defaults when missing (as lttng does) */
function channelFor(ctx: UstOpsContext, s: UstHost, channel: string | undefined): UstChannel {
  const name = channelName(s, channel);
  const c = s.ust?.channel(name);
  if (c) return c;
  const buffers = s.ust?.buffers ?? 'uid';
  return addChannel(ctx, s, name, ustChannelDefaults(buffers), buffers);
}

export function ustEnableEvent(ctx: UstOpsContext, s: UstHost, p: Params<'event.enable'>): Result<'event.enable'> {
  if (typeof p.name !== 'string' || p.name === '') throw new CtlError('INVALID', 'Missing event name');
  if (p.kind === 'syscall') throw new CtlError('INVALID', 'System calls are a kernel domain event type');
  if (p.filter !== undefined) {
    if (typeof p.filter !== 'string') throw new CtlError('FILTER_INVAL');
    try {
      parseFilter(p.filter);
    } catch (e) {
      if (e instanceof FilterError) throw new CtlError('FILTER_INVAL', `Invalid filter expression: ${e.message}`);
      throw e;
    }
  }
  const ll = p.loglevel;
  if (ll !== undefined) {
    if ((ll.type !== 'range' && ll.type !== 'single') || !Number.isInteger(ll.level) || ll.level < 0 || ll.level > 14) throw new CtlError('INVALID_LOGLEVEL');
  }
  const exclusions = p.exclusions ?? [];
  const warnings: string[] = [];
  if (exclusions.length) {
    if (!Array.isArray(exclusions) || exclusions.some((x) => typeof x !== 'string' || x === '' || x.length > 255)) throw new CtlError('EXCLUSION_INVAL');
    if (!isGlob(p.name)) throw new CtlError('EXCLUSION_INVAL', 'Exclusions can only be used with a globbing pattern');
    for (const x of exclusions) {
      // lttng warns about an exclusion that cannot match anything the pattern matches
      if (!isGlob(x) && !globMatch(p.name, x)) warnings.push(`${x} does not exclude any events from ${p.name}`);
    }
  }
  const c = channelFor(ctx, s, p.channel);
  const info = s.ust!.enableRule(c, makeRule(p.name, p.filter, ll, exclusions));
  const r: Result<'event.enable'> = { channel: c.name, created: [info] };
  if (warnings.length) r.warnings = warnings;
  return r;
}

export function ustDisableEvent(s: UstHost, p: Params<'event.disable'>): Result<'event.disable'> {
  const name = channelName(s, p.channel);
  const c = s.ust?.channel(name);
  if (!s.ust || !c) throw new CtlError('UST_CHAN_NOT_FOUND');
  if (p.kind === 'syscall') throw new CtlError('UST_EVENT_NOT_FOUND');
  return { channel: name, disabled: s.ust.disableRules(c, p.name) };
}

export function ustAddContext(ctx: UstOpsContext, s: UstHost, p: Params<'context.add'>): Result<'context.add'> {
  if (!(UST_CONTEXTS as readonly string[]).includes(p.type)) throw new CtlError('UST_CONTEXT_INVAL');
  if (s.hasBeenStarted) throw new CtlError('TRACE_ALREADY_STARTED');
  let targets: UstChannel[];
  if (p.channel !== undefined && p.channel !== '') {
    const c = s.ust?.channel(p.channel);
    if (!c) throw new CtlError('UST_CHAN_NOT_FOUND');
    targets = [c];
  } else {
    if (!s.ust || s.ust.channels.length === 0) addChannel(ctx, s, DEFAULT_CHANNEL_NAME, ustChannelDefaults(s.ust?.buffers ?? 'uid'), s.ust?.buffers ?? 'uid');
    targets = s.ust!.channels;
  }
  const type = p.type as UstContextName;
  if (targets.length === 1 && targets[0]!.contexts.includes(type)) throw new CtlError('UST_CONTEXT_EXIST');
  for (const c of targets) if (!c.contexts.includes(type)) s.ust!.addContext(c, type);
  return { channels: targets.map((c) => c.name) };
}
