// The control-protocol operations of the kernel domain (`-k`), with LTTng
// 2.13's checks and error codes. sessions.ts calls these for
// `domain: 'kernel'`, inside its operation queue; the tracer itself is
// reached through kernel-domain.ts.
import * as path from 'node:path';
import { CtlError, DEFAULT_CHANNEL_NAME, KERNEL_CHANNEL_DEFAULTS, KERNEL_CONTEXTS } from '../ctl/protocol.js';
import type { ChannelAttributes, ChannelInfo, DomainInfo, EventKind, EventRuleInfo, Params, Result } from '../ctl/protocol.js';
import { FilterError, filterReferences, parseFilter } from '../filter/filter.js';
import { kernelBackend } from './kernel-domain.js';
import type { KernelBackend, KernelChannelStats, KernelContextType, KernelEventRule, KernelSession } from './kernel-domain.js';
import { checkChannelMemory, oneLine, validateChannelAttributes, validateChannelName } from './checks.js';
import { KernelChannel, KernelDomain, snapshotForced } from './session.js';
import type { Session } from './session.js';

export interface KernelOpsContext {
  uid: number;
  /** ftrace instances are named `ttng_<daemonId>_…` */
  daemonId: string;
}

/** The kernel tracer, when this daemon may and can trace the kernel. */
export async function requireKernel(uid: number): Promise<KernelBackend> {
  if (uid !== 0) throw new CtlError('NEED_ROOT_SESSIOND');
  const b = await kernelBackend();
  if (b instanceof Error) throw new CtlError('KERN_NA', `Kernel tracer not available: ${b.message}`);
  let avail: { ok: true } | { ok: false; reason: string };
  try {
    avail = b.kernelTracerAvailable();
  } catch (e) {
    avail = { ok: false, reason: oneLine(e) };
  }
  if (!avail.ok) throw new CtlError('KERN_NA', `Kernel tracer not available: ${avail.reason}`);
  return b;
}

async function kernelDomain(ctx: KernelOpsContext, s: Session): Promise<KernelDomain> {
  if (s.kernel) return s.kernel;
  const b = await requireKernel(ctx.uid);
  let ks: KernelSession;
  try {
    ks = b.createKernelSession({ outputDir: path.join(s.outputPath, 'kernel'), sessionName: s.name, daemonId: ctx.daemonId, snapshot: s.snapshotMode, fs: s.owner.fs });
  } catch (e) {
    throw new CtlError('KERN_CHAN_FAIL', oneLine(e));
  }
  s.kernel = new KernelDomain(ks);
  return s.kernel;
}

async function addKernelChannel(ctx: KernelOpsContext, s: Session, name: string, attrs: ChannelAttributes): Promise<KernelChannel> {
  validateChannelName(name);
  validateChannelAttributes(attrs);
  checkChannelMemory(attrs);
  if (s.hasBeenStarted) throw new CtlError('TRACE_ALREADY_STARTED');
  const created = !s.kernel;
  const k = await kernelDomain(ctx, s);
  try {
    k.ks.addChannel({
      name,
      subbufSize: attrs.subbufSize,
      numSubbuf: attrs.numSubbuf,
      switchTimerUs: attrs.switchTimerUs,
      readTimerUs: attrs.readTimerUs,
      overwrite: attrs.overwrite,
      ...(attrs.tracefileSize > 0 ? { tracefileSize: attrs.tracefileSize, tracefileCount: attrs.tracefileCount } : {}),
    });
  } catch (e) {
    if (created && k.channels.length === 0) {
      s.kernel = undefined;
      await k.ks.destroy().catch(() => undefined);
    }
    throw new CtlError('KERN_CHAN_FAIL', oneLine(e));
  }
  const c = new KernelChannel(name, attrs);
  k.channels.push(c);
  return c;
}

function ruleInfo(r: KernelEventRule): EventRuleInfo {
  const i: EventRuleInfo = { kind: r.kind, name: r.pattern, enabled: r.enabled };
  if (r.filter !== undefined) i.filter = r.filter;
  return i;
}

/** `list SESSION`'s kernel domain: newest channel and rule first, with the tracer's counts while active */
export function kernelDomainInfo(s: Session, k: KernelDomain): DomainInfo {
  let live: KernelChannelStats[] | undefined;
  if (s.active) {
    try {
      live = k.ks.stats();
    } catch {
      live = undefined;
    }
  }
  const channels: ChannelInfo[] = k.channels
    .map((c) => {
      const st = live?.find((x) => x.name === c.name) ?? c.lastStats;
      return {
        name: c.name,
        enabled: c.enabled,
        attributes: { ...c.attrs },
        contexts: [...c.contexts],
        events: c.rules.map(ruleInfo).reverse(),
        discardedEvents: st?.discardedEvents ?? 0,
        lostPackets: 0,
        recordedEvents: st?.recordedEvents ?? 0,
      };
    })
    .reverse();
  return { type: 'kernel', bufferType: 'global', channels };
}

export async function kernelEnableChannel(ctx: KernelOpsContext, s: Session, p: Params<'channel.enable'>): Promise<ChannelInfo> {
  validateChannelName(p.name);
  if (s.kernel?.channel(p.name)) throw new CtlError('KERN_CHAN_EXIST');
  const attrs: ChannelAttributes = { ...KERNEL_CHANNEL_DEFAULTS, ...(p.attributes ?? {}), ...snapshotForced(s) };
  await addKernelChannel(ctx, s, p.name, attrs);
  if (p.name !== DEFAULT_CHANNEL_NAME) s.kernel!.hasNonDefaultChannel = true;
  return kernelDomainInfo(s, s.kernel!).channels.find((c) => c.name === p.name)!;
}

/** the channel an event or context command names (channel0 by default) */
function channelName(s: Session, channel: string | undefined): string {
  if (channel === undefined || channel === '') {
    if (s.kernel?.hasNonDefaultChannel) throw new CtlError('NEED_CHANNEL_NAME');
    return DEFAULT_CHANNEL_NAME;
  }
  return channel;
}

function applyRules(k: KernelDomain, c: KernelChannel, rules: KernelEventRule[]): void {
  try {
    k.ks.setEventRules(c.name, rules.map((r) => ({ ...r })));
  } catch (e) {
    throw new CtlError('KERN_ENABLE_FAIL', oneLine(e));
  }
  c.rules = rules;
}

function checkFilter(filter: unknown): void {
  if (typeof filter !== 'string') throw new CtlError('FILTER_INVAL');
  try {
    if (filterReferences(parseFilter(filter)).app.length > 0) {
      throw new FilterError('application contexts ($app.…) are not available in the kernel domain');
    }
  } catch (e) {
    if (e instanceof FilterError) throw new CtlError('FILTER_INVAL', `Invalid filter expression: ${e.message}`);
    throw e;
  }
}

export async function kernelEnableEvent(ctx: KernelOpsContext, s: Session, p: Params<'event.enable'>): Promise<Result<'event.enable'>> {
  if (typeof p.name !== 'string' || p.name === '') throw new CtlError('INVALID', 'Missing event name');
  if (p.kind !== 'tracepoint' && p.kind !== 'syscall' && p.kind !== 'all') throw new CtlError('INVALID', `Unknown event type ${String(p.kind)}`);
  if (p.filter !== undefined) checkFilter(p.filter);
  const chName = channelName(s, p.channel);
  await requireKernel(ctx.uid);
  let k = s.kernel;
  let c = k?.channel(chName);
  if (!c) {
    validateChannelName(chName);
    c = await addKernelChannel(ctx, s, chName, { ...KERNEL_CHANNEL_DEFAULTS, ...snapshotForced(s) });
    k = s.kernel!;
    if (chName !== DEFAULT_CHANNEL_NAME) k.hasNonDefaultChannel = true;
  }
  const kinds: EventKind[] = p.kind === 'all' ? (p.name === '*' ? ['tracepoint', 'syscall'] : ['tracepoint']) : [p.kind];
  const rules = c.rules.map((r) => ({ ...r }));
  const created: EventRuleInfo[] = [];
  let existing = 0;
  for (const kind of kinds) {
    const same = rules.find((r) => r.kind === kind && r.pattern === p.name && r.filter === p.filter);
    if (same) {
      if (same.enabled) {
        existing++;
        continue;
      }
      same.enabled = true;
      created.push(ruleInfo(same));
      continue;
    }
    const r: KernelEventRule = { kind, pattern: p.name, enabled: true };
    if (p.filter !== undefined) r.filter = p.filter;
    rules.push(r);
    created.push(ruleInfo(r));
  }
  if (created.length === 0 && existing > 0) throw new CtlError('KERN_EVENT_EXIST');
  applyRules(k!, c, rules);
  return { channel: chName, created };
}

export function kernelDisableEvent(ctx: KernelOpsContext, s: Session, p: Params<'event.disable'>): Result<'event.disable'> {
  const chName = channelName(s, p.channel);
  if (ctx.uid !== 0) throw new CtlError('NEED_ROOT_SESSIOND');
  const k = s.kernel;
  const c = k?.channel(chName);
  if (!k || !c) throw new CtlError('KERN_CHAN_NOT_FOUND');
  const rules = c.rules.map((r) => ({ ...r }));
  let n = 0;
  for (const r of rules) {
    if (p.kind !== 'all' && r.kind !== p.kind) continue;
    if (p.name !== undefined && r.pattern !== p.name) continue;
    r.enabled = false;
    n++;
  }
  if (n === 0 && p.name !== undefined) throw new CtlError('NO_EVENT');
  applyRules(k, c, rules);
  return { channel: chName, disabled: n };
}

export async function kernelAddContext(ctx: KernelOpsContext, s: Session, p: Params<'context.add'>): Promise<Result<'context.add'>> {
  if (!(KERNEL_CONTEXTS as readonly string[]).includes(p.type)) throw new CtlError('INVALID', `Unknown context type ${String(p.type)}`);
  const b = await requireKernel(ctx.uid);
  if (b.KERNEL_CONTEXT_TYPES && !b.KERNEL_CONTEXT_TYPES.includes(p.type)) {
    throw new CtlError('KERN_CONTEXT_FAIL', `Context ${p.type} is not supported by this kernel tracer`);
  }
  if (s.hasBeenStarted) throw new CtlError('TRACE_ALREADY_STARTED');
  if (s.channelCount() === 0) await addKernelChannel(ctx, s, DEFAULT_CHANNEL_NAME, { ...KERNEL_CHANNEL_DEFAULTS, ...snapshotForced(s) });
  const k = s.kernel!;
  let targets: KernelChannel[];
  if (p.channel !== undefined && p.channel !== '') {
    const c = k.channel(p.channel);
    if (!c) throw new CtlError('KERN_CHAN_NOT_FOUND');
    targets = [c];
  } else targets = k.channels;
  const type = p.type as KernelContextType;
  for (const c of targets) {
    if (c.contexts.includes(type)) continue; // as lttng-modules: EEXIST is ignored
    const next = [...c.contexts, type];
    try {
      k.ks.setContexts(c.name, next);
    } catch (e) {
      throw new CtlError('KERN_CONTEXT_FAIL', oneLine(e));
    }
    c.contexts = next;
  }
  return { channels: targets.map((c) => c.name) };
}

/** `list -k` / `list -k --syscall`: what the kernel tracer offers */
export async function listKernel(uid: number, what: 'tracepoints' | 'syscalls'): Promise<string[]> {
  const b = await requireKernel(uid);
  try {
    return what === 'tracepoints' ? b.listKernelTracepoints() : b.listKernelSyscalls();
  } catch (e) {
    throw new CtlError('KERN_LIST_FAIL', oneLine(e));
  }
}
