// `ttng enable-channel (-k | -u) [OPTIONS] CHANNEL[,CHANNEL…]` (lttng-enable-channel(1)).
import type { ChannelAttributes, UstBuffers } from '../ctl/protocol.js';
import { CtlError, KERNEL_CHANNEL_DEFAULTS, UST_PID_CHANNEL_DEFAULTS, UST_UID_CHANNEL_DEFAULTS } from '../ctl/protocol.js';
import { flag, value } from './args.js';
import { CliExit, DOMAIN_OPTIONS, err, guard, domainOf, msg, parseVerbArgs, sessionName, warn, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

/** lttng's utils_parse_size_suffix: N, 0xN, 0N, with k/K, M or G (powers of 1024) */
export function parseSize(s: string): bigint | undefined {
  if (s.includes('-')) return undefined;
  const m = /^\s*(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)([kKMG]?)$/.exec(s);
  if (!m) return undefined;
  const d = m[1]!;
  const base = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d.startsWith('0') ? BigInt('0o' + d.slice(1)) : BigInt(d);
  const shift = m[2] === 'G' ? 30n : m[2] === 'M' ? 20n : m[2] ? 10n : 0n;
  const v = base << shift;
  return v >= 1n << 64n ? undefined : v;
}

/** lttng's utils_parse_time_suffix: N µs, with us, ms, s, m or h */
export function parseTimeUs(s: string): bigint | undefined {
  if (s.includes('-')) return undefined;
  const m = /^\s*([0-9]+)(us|ms|s|m|h)?$/.exec(s);
  if (!m) return undefined;
  const mult = { us: 1n, ms: 1000n, s: 1_000_000n, m: 60_000_000n, h: 3_600_000_000n }[m[2] ?? 'us']!;
  return BigInt(m[1]!) * mult;
}

/** strtoull(s, NULL, 0) after an isdigit() check, as lttng parses counts (trailing text ignored) */
function strtoull(s: string): bigint | undefined {
  const m = /^(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return undefined;
  const d = m[1]!;
  const v = /^0[xX]/.test(d) ? BigInt(d) : d.length > 1 && d.startsWith('0') ? BigInt('0o' + d.slice(1)) : BigInt(d);
  return v >= 1n << 64n ? undefined : v;
}

function nextPow2(v: bigint): bigint {
  let p = 1n;
  while (p < v) p <<= 1n;
  return p;
}

const SPECS = [
  ...DOMAIN_OPTIONS,
  { long: 'session', short: 's', value: true },
  { long: 'discard' },
  { long: 'overwrite' },
  { long: 'subbuf-size', value: true },
  { long: 'num-subbuf', value: true },
  { long: 'switch-timer', value: true },
  { long: 'read-timer', value: true },
  { long: 'monitor-timer', value: true },
  { long: 'blocking-timeout', value: true },
  { long: 'output', value: true },
  { long: 'buffers-global' },
  { long: 'buffers-uid' },
  { long: 'buffers-pid' },
  { long: 'tracefile-size', short: 'C', value: true },
  { long: 'tracefile-count', short: 'W', value: true },
];

function fail(line: string): never {
  err(line);
  throw new CliExit(1);
}

/** The attributes the options give (lttng's checks and warnings). */
function attributesFrom(a: Parameters<typeof flag>[0], domain: 'kernel' | 'ust'): Partial<ChannelAttributes> {
  const attrs: Partial<ChannelAttributes> = {};
  // popt applies options in order: the later of --discard/--overwrite wins
  const keys = [...a.opts.keys()];
  if (flag(a, 'overwrite') || flag(a, 'discard')) attrs.overwrite = keys.indexOf('overwrite') > keys.indexOf('discard');
  const sub = value(a, 'subbuf-size');
  if (sub !== undefined) {
    const v = parseSize(sub);
    if (v === undefined || v === 0n) fail(`Wrong value in --subbuf-size parameter: ${sub}`);
    const r = nextPow2(v!);
    if (r >= 1n << 64n) fail(`The subbuf size (${v}) is rounded and overflows!`);
    if (r !== v) warn(`The subbuf size (${v}) is rounded to the next power of 2 (${r})`);
    if (r > BigInt(Number.MAX_SAFE_INTEGER)) fail(`Wrong value in --subbuf-size parameter: ${sub}`);
    attrs.subbufSize = Number(r);
  }
  const num = value(a, 'num-subbuf');
  if (num !== undefined) {
    const v = strtoull(num);
    if (v === undefined || v === 0n) fail(`Wrong value in --num-subbuf parameter: ${num}`);
    const r = nextPow2(v!);
    if (r >= 1n << 64n) fail(`The number of subbuffers (${v}) is rounded and overflows!`);
    if (r !== v) warn(`The number of subbuffers (${v}) is rounded to the next power of 2 (${r})`);
    if (r > BigInt(Number.MAX_SAFE_INTEGER)) fail(`Wrong value in --num-subbuf parameter: ${num}`);
    attrs.numSubbuf = Number(r);
  }
  for (const [opt, key] of [
    ['switch-timer', 'switchTimerUs'],
    ['read-timer', 'readTimerUs'],
  ] as const) {
    const t = value(a, opt);
    if (t === undefined) continue;
    const v = parseTimeUs(t);
    if (v === undefined) fail(`Wrong value for --${opt} parameter: ${t}`);
    if (v! > 0xffffffffn) fail(`32-bit overflow in --${opt} parameter: ${t}`);
    attrs[key] = Number(v);
  }
  const mon = value(a, 'monitor-timer');
  if (mon !== undefined) {
    const v = parseTimeUs(mon);
    if (v === undefined || v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`Wrong value for --monitor-timer parameter: ${mon}`);
    attrs.monitorTimerUs = Number(v);
  }
  const bt = value(a, 'blocking-timeout');
  if (bt !== undefined) {
    if (domain === 'kernel') fail('Retry timeout option not supported for kernel domain (-k)');
    let v: bigint | undefined;
    if (bt === 'inf') v = -1n;
    else {
      v = parseTimeUs(bt);
      if (v === undefined) fail(`Wrong value for --blocking-timeout parameter: ${bt}`);
      if (v! > 0x7fffffffn) fail(`32-bit overflow in --blocking-timeout parameter: ${bt}`);
    }
    if (attrs.overwrite && v !== 0n) fail('You cannot specify --overwrite and --blocking-timeout=N, where N is different than 0');
    attrs.blockingTimeoutUs = Number(v);
  }
  if (domain === 'kernel' && (flag(a, 'buffers-uid') || flag(a, 'buffers-pid'))) fail('Buffer type not supported for domain -k');
  if (domain === 'ust' && flag(a, 'buffers-global')) fail('Buffer type not supported for domain -u');
  const out = value(a, 'output');
  if (out !== undefined) {
    if (out.startsWith('mmap')) attrs.output = 'mmap';
    else if (out.startsWith('splice')) attrs.output = 'splice';
    else fail(`Unknown output type ${out}. Possible values are: mmap, splice`);
  }
  const tsize = value(a, 'tracefile-size');
  if (tsize !== undefined) {
    const v = parseSize(tsize);
    if (v === undefined || v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`Wrong value in --tracefile-size parameter: ${tsize}`);
    attrs.tracefileSize = Number(v);
  }
  const tcount = value(a, 'tracefile-count');
  if (tcount !== undefined) {
    const v = strtoull(tcount);
    if (v === undefined) fail(`Wrong value in --tracefile-count parameter: ${tcount}`);
    if (v! > 0xffffffffn) fail(`32-bit overflow in --tracefile-count parameter: ${tcount}`);
    attrs.tracefileCount = Number(v);
  }
  if ((attrs.tracefileSize ?? 0) === 0 && (attrs.tracefileCount ?? 0) > 0) {
    fail("Missing option --tracefile-size. A file count without a size won't do anything.");
  }
  const defaults = domain === 'kernel' ? KERNEL_CHANNEL_DEFAULTS : flag(a, 'buffers-pid') ? UST_PID_CHANNEL_DEFAULTS : UST_UID_CHANNEL_DEFAULTS;
  const subbuf = attrs.subbufSize ?? defaults.subbufSize;
  if (attrs.tracefileSize !== undefined && attrs.tracefileSize > 0 && attrs.tracefileSize < subbuf) {
    warn(`Tracefile size rounded up from (${attrs.tracefileSize}) to subbuffer size (${subbuf})`);
    attrs.tracefileSize = subbuf;
  }
  return attrs;
}

export const enableChannelVerb: Verb = {
  name: 'enable-channel',
  summary: 'Create a channel',
  help: `Usage: ttng enable-channel (-k | -u) [OPTIONS] CHANNEL[,CHANNEL...]

Create channels in a recording session (default: the current one).
Defaults (as LTTng's): kernel: 4 sub-buffers of 1 MiB per CPU, read timer
200000 us; user space: 4 sub-buffers of 512 KiB per app thread with per-user
buffers (16 KiB with --buffers-pid); discard mode, no switch timer.

Options:
  -k, --kernel              Kernel domain
  -u, --userspace           User-space domain (Node.js apps using ttng/ust)
  -s, --session=SESSION     Recording session (default: the current one)
      --discard             Discard new events when the buffers are full (default)
      --overwrite           Overwrite the oldest sub-buffer (flight recorder)
      --subbuf-size=SIZE    Sub-buffer size in bytes (k, M, G suffixes; rounded
                            up to a power of 2; at least 4096)
      --num-subbuf=COUNT    Sub-buffers per CPU (rounded up to a power of 2)
      --switch-timer=PERIOD Force a packet switch every PERIOD (us, ms, s, m, h;
                            plain numbers are µs; 0 = off)
      --read-timer=PERIOD   Read the buffers every PERIOD (default 200000 us)
      --monitor-timer=PERIOD
      --output=TYPE         splice (kernel default) or mmap (user space: the only one)
      --buffers-global      Kernel buffering scheme (the only one)
  -C, --tracefile-size=SIZE Bytes per stream file (k, M, G suffixes; at least
                            the sub-buffer size); files CHANNEL_CPU_K
                            (user space: CHANNEL_N_K, N the stream)
  -W, --tracefile-count=N   Files per stream, reused round-robin (the oldest
                            is overwritten; 0 = unlimited)
      --buffers-uid         User space: one trace per user (default)
      --buffers-pid         User space: one trace per process
      --blocking-timeout=0  User space: accepted only as 0 (a traced app never
                            waits for the consumer)
  -h, --help                Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(enableChannelVerb, argv, SPECS);
      if (!a) return 0;
      if (flag(a, 'jul') || flag(a, 'log4j') || flag(a, 'python')) {
        err(`Unrecognized option --${['jul', 'log4j', 'python'].find((d) => flag(a, d))} used with 'enable-channel' command`);
        return 1;
      }
      const domain = domainOf(a, false);
      const attrs = attributesFrom(a, domain);
      const buffers: UstBuffers | undefined = domain === 'ust' ? (flag(a, 'buffers-pid') ? 'pid' : flag(a, 'buffers-uid') ? 'uid' : undefined) : undefined;
      const [list, leftover] = a.positional;
      if (list === undefined) fail('Missing channel name.');
      if (leftover !== undefined) fail(`Unknown argument: ${leftover}`);
      const session = sessionName(value(a, 'session'));
      let status = 0;
      await withDaemon(async (c) => {
        for (const name of list!.split(',').filter((n) => n !== '')) {
          if (name.length >= 256) {
            err('Channel name is too long (max. 255 characters)');
            status = 1;
            continue;
          }
          try {
            await c.call('channel.enable', { session, domain, name, attributes: attrs, buffers });
            msg(`${domain} channel ${name} enabled for session ${session}`);
          } catch (e) {
            if (!(e instanceof CtlError)) throw e;
            status = 1;
            if (e.code === 'KERN_CHAN_EXIST' || e.code === 'UST_CHAN_EXIST') warn(`Channel ${name}: ${e.message} (session ${session})`);
            else if (e.code === 'INVALID_CHANNEL_NAME') err(e.message);
            else err(`Channel ${name}: ${e.message} (session ${session})`);
          }
        }
      });
      return status;
    }),
};
