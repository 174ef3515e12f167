// `ttng list` (lttng-list(1)): sessions; one session's domains, channels and
// event rules; the kernel's tracepoints (-k) or system calls (-k --syscall);
// the registered apps' events (-u).
import type { ChannelInfo, DomainInfo, EventRuleInfo, SessionDetail, UstAppListing } from '../ctl/protocol.js';
import { loglevelName } from '../ctl/loglevels.js';
import { CtlError } from '../ctl/protocol.js';
import { flag, value } from './args.js';
import { DOMAIN_OPTIONS, err, guard, msg, parseVerbArgs, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

const I4 = '    ';
const I6 = '      ';

/** `[enabled]` / `[disabled]` with lttng's leading space */
function enabledString(e: boolean): string {
  return e ? ' [enabled]' : ' [disabled]';
}

export function eventLine(e: EventRuleInfo, domain: DomainInfo['type'] = 'kernel'): string {
  const filter = e.filter !== undefined ? ` [filter: '${e.filter}']` : '';
  if (domain === 'ust') {
    const exclusions = e.exclusions?.length ? ` [exclusions: ${e.exclusions.join(',')}]` : '';
    const ll = e.loglevel ? ` (loglevel ${e.loglevel.type === 'range' ? '<=' : '=='} ${loglevelName(e.loglevel.level)} (${e.loglevel.level}))` : '';
    return `${I6}${e.name}${ll} (type: tracepoint)${enabledString(e.enabled)}${exclusions}${filter}`;
  }
  if (e.kind === 'syscall') return `${I6}${e.name} (type:syscall)${enabledString(e.enabled)}${filter}`;
  // kernel tracepoints carry log level 0, which lttng prints
  return `${I6}${e.name} (loglevel: TRACE_EMERG (0)) (type: tracepoint)${enabledString(e.enabled)}${filter}`;
}

function timer(name: string, spaces: number, v: number): string {
  return `${I6}${name}:${' '.repeat(spaces)}${v ? `${v} us` : 'inactive'}`;
}

export function channelLines(c: ChannelInfo, snapshotMode: boolean, domain: DomainInfo['type'] = 'kernel'): string[] {
  const a = c.attributes;
  const out = [
    `- ${c.name}:${enabledString(c.enabled)}`,
    '',
    `${I4}Attributes:`,
    `${I6}Event-loss mode:  ${a.overwrite ? 'overwrite' : 'discard'}`,
    `${I6}Sub-buffer size:  ${a.subbufSize} bytes`,
    `${I6}Sub-buffer count: ${a.numSubbuf}`,
    timer('Switch timer', 5, a.switchTimerUs),
    timer('Read timer', 7, a.readTimerUs),
    timer('Monitor timer', 4, a.monitorTimerUs),
  ];
  if (!a.overwrite) out.push(a.blockingTimeoutUs === -1 ? `${I6}Blocking timeout: infinite` : `${I6}Blocking timeout: ${a.blockingTimeoutUs} us`);
  out.push(`${I6}Trace file count: ${a.tracefileCount === 0 ? 1 : a.tracefileCount} per stream`);
  out.push(a.tracefileSize !== 0 ? `${I6}Trace file size:  ${a.tracefileSize} bytes` : `${I6}Trace file size:  unlimited`);
  out.push(`${I6}Output mode:      ${a.output}`);
  out.push('', `${I4}Statistics:`);
  if (snapshotMode) out.push(`${I6}None`);
  else if (!a.overwrite) out.push(`${I6}Discarded events: ${c.discardedEvents}`);
  else out.push(`${I6}Lost packets:     ${c.lostPackets}`);
  out.push('', `${I4}Recording event rules:`);
  if (c.events.length === 0) out.push(`${I6}None`, '');
  else out.push(...c.events.map((e) => eventLine(e, domain)), '');
  return out;
}

const KERNEL_TRACKERS = ['Process ID', 'Virtual process ID', 'User ID', 'Virtual user ID', 'Group ID', 'Virtual group ID'];

const UST_TRACKERS = ['Virtual process ID', 'Virtual user ID', 'Virtual group ID'];

function trackerLines(domain: DomainInfo['type']): string[] {
  const out = ['Tracked process attributes'];
  for (const t of domain === 'ust' ? UST_TRACKERS : KERNEL_TRACKERS) out.push(`  ${`${t}s:`.padEnd(22)}all`);
  out.push('');
  return out;
}

function domainLines(d: DomainInfo, snapshotMode: boolean, channel: string | undefined): string[] {
  const out: string[] = [];
  if (d.type === 'ust') out.push(`Buffering scheme: ${d.bufferType === 'per-pid' ? 'per-process' : 'per-user'}`, '');
  out.push(...trackerLines(d.type));
  const chans = channel === undefined ? d.channels : d.channels.filter((c) => c.name === channel);
  if (chans.length) out.push('Channels:', '-------------');
  for (const c of chans) out.push(...channelLines(c, snapshotMode, d.type));
  return out;
}

/** `lttng list SESSION` text; throws CtlError-like failures for a missing channel */
export function sessionLines(s: SessionDetail, opts: { channel?: string; kernelOnly?: boolean; domain?: DomainInfo['type'] } = {}): { lines: string[]; error?: string } {
  const lines = [`Recording session ${s.name}: [${s.active ? 'active' : 'inactive'}${s.snapshotMode ? ' snapshot' : ''}]`];
  if (s.outputPath) lines.push(`${I4}Trace output: ${s.outputPath}`, '');
  const only = opts.domain ?? (opts.kernelOnly ? 'kernel' : undefined);
  for (const d of s.domains) {
    if (only !== undefined && d.type !== only) continue;
    if (only === undefined) lines.push(d.type === 'ust' ? '=== Domain: User space ===' : '=== Domain: Linux kernel ===', '');
    lines.push(...domainLines(d, s.snapshotMode, opts.channel));
  }
  const shown = s.domains.filter((d) => only === undefined || d.type === only);
  if (opts.channel !== undefined && shown.length > 0 && !shown.some((d) => d.channels.some((c) => c.name === opts.channel))) {
    return { lines, error: `Channel ${opts.channel} not found` };
  }
  if (only !== undefined && !s.domains.some((d) => d.type === only)) lines.push(...trackerLines(only));
  return { lines };
}

/** `lttng list -u` (with -f, the fields) */
export function ustListingLines(apps: UstAppListing[], fields: boolean): string[] {
  const out = ['UST events:', '-------------'];
  if (apps.length === 0) out.push('None');
  for (const a of apps) {
    out.push('', `PID: ${a.pid} - Name: ${a.procname}`);
    for (const e of a.events) {
      out.push(`${I6}${e.name} (loglevel: ${loglevelName(e.loglevel)} (${e.loglevel})) (type: tracepoint)`);
      if (fields) for (const f of [...e.fields].reverse()) out.push(`${I6}  field: ${f.name} (${f.type})`);
    }
  }
  out.push('');
  return out;
}

/** the bitness lttng prints beside each system call; ftrace traces the native ones */
function bitness(): string {
  return ['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el'].includes(process.arch) ? ' [64-bit]' : ' [32-bit]';
}

const SPECS = [
  ...DOMAIN_OPTIONS,
  { long: 'syscall' },
  { long: 'fields', short: 'f' },
  { long: 'channel', short: 'c', value: true },
  { long: 'domain', short: 'd' },
];

export const listVerb: Verb = {
  name: 'list',
  summary: 'List sessions, their channels and events, or the kernel\'s events',
  help: `Usage: ttng list [SESSION [-c CHANNEL] [-k | -u] | -d SESSION]
       ttng list -k [--syscall]
       ttng list -u [-f]

Without arguments, list the recording sessions. With SESSION, show its
domains, channels (attributes, discarded events) and recording event rules.
With -k, list the kernel tracepoints; with -k --syscall, the system calls.
With -u, list the events of the registered apps, per process (-f: with their
fields).

Options:
  -k, --kernel           Kernel domain
  -u, --userspace        User-space domain
  -f, --fields           With -u: the events' fields
  -c, --channel=CHANNEL  Only this channel of SESSION
  -d, --domain           List SESSION's domains
      --syscall          With -k: list the system calls
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(listVerb, argv, SPECS);
      if (!a) return 0;
      const [name, leftover] = a.positional;
      if (leftover !== undefined) {
        err(`Unknown argument: ${leftover}`);
        return 1;
      }
      for (const d of ['jul', 'log4j', 'python']) {
        if (flag(a, d)) {
          err(`The ${d} domain is not supported yet: ttng traces the kernel (-k) and user space (-u)`);
          return 1;
        }
      }
      const kernel = flag(a, 'kernel');
      const ust = flag(a, 'userspace');
      if (name === undefined && ust) {
        const apps = await withDaemon((c) => c.call('ust.listTracepoints', {}));
        msg(ustListingLines(apps, flag(a, 'fields')).join('\n'));
        return 0;
      }
      if (name === undefined) {
        if (kernel) {
          const syscalls = flag(a, 'syscall');
          let names: string[];
          try {
            names = await withDaemon((c) => c.call(syscalls ? 'kernel.listSyscalls' : 'kernel.listTracepoints', {}));
          } catch (e) {
            if (!(e instanceof CtlError)) throw e;
            err(`Unable to list ${syscalls ? 'system calls' : 'kernel events'}: ${e.message}`);
            return 1;
          }
          const out = [syscalls ? 'System calls:' : 'Kernel events:', '-------------'];
          const b = bitness();
          for (const n of names) out.push(syscalls ? `${I6}${n}${b}` : `${I6}${n} (loglevel: TRACE_EMERG (0)) (type: tracepoint)`);
          out.push('');
          msg(out.join('\n'));
          return 0;
        }
        const sessions = await withDaemon((c) => c.call('session.list', {}));
        if (sessions.length === 0) {
          msg('Currently no available recording session');
          return 0;
        }
        const out = ['Available recording sessions:'];
        sessions.forEach((s, i) => {
          out.push(`  ${i + 1}) ${s.name} [${s.active ? 'active' : 'inactive'}${s.snapshotMode ? ' snapshot' : ''}]`);
          if (s.outputPath) out.push(`${I4}Trace output: ${s.outputPath}`);
          if (s.liveTimerUs) out.push(`${I4}Live timer interval: ${s.liveTimerUs} us`);
          out.push('');
        });
        out.push('', 'Use ttng list <session_name> for more details');
        msg(out.join('\n'));
        return 0;
      }
      return printSession(name, { channel: value(a, 'channel'), domain: kernel ? 'kernel' : ust ? 'ust' : undefined, domains: flag(a, 'domain') });
    }),
};

/** `list SESSION` / `status`: prints one session; returns the exit status */
export async function printSession(name: string, opts: { channel?: string; domain?: DomainInfo['type']; domains?: boolean } = {}): Promise<number> {
  let s: SessionDetail;
  try {
    s = await withDaemon((c) => c.call('session.get', { name }));
  } catch (e) {
    if (e instanceof CtlError && e.code === 'SESS_NOT_FOUND') {
      err(`Session '${name}' not found`);
      return 1;
    }
    throw e;
  }
  if (opts.domains) {
    const lines = [`Recording session ${s.name}: [${s.active ? 'active' : 'inactive'}]`];
    if (s.outputPath) lines.push(`${I4}Trace output: ${s.outputPath}`, '');
    lines.push('Domains:', '-------------');
    if (s.domains.length === 0) lines.push('  None');
    for (const d of s.domains) lines.push(d.type === 'kernel' ? '  - Kernel' : '  - UST global');
    lines.push('');
    msg(lines.join('\n'));
    return 0;
  }
  const r = sessionLines(s, opts);
  if (r.lines.length) msg(r.lines.join('\n'));
  if (r.error) {
    err(r.error);
    return 1;
  }
  return 0;
}
