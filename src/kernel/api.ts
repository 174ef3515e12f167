// The contract between the session daemon (src/sessiond) and the kernel
// tracer (src/kernel). The daemon owns sessions and their configuration; the
// kernel tracer turns one session's kernel domain into ftrace instances and a
// CTF trace under `<session output>/kernel/`.
import type { OutputFs } from '../output/fs.js';

/** `lttng enable-channel -k` settings (LTTng's defaults in comments) */
export interface KernelChannelConfig {
  name: string;
  /** bytes per sub-buffer (LTTng's kernel default: 1 MiB) */
  subbufSize: number;
  /** sub-buffers per CPU (4) */
  numSubbuf: number;
  /** µs between forced packet switches; 0 = off */
  switchTimerUs: number;
  /** µs between reads of the ftrace buffers (200000) */
  readTimerUs: number;
  /** flight-recorder mode: overwrite the oldest data instead of discarding new events */
  overwrite: boolean;
  /** `--tracefile-size`: bytes per stream file, 0/undefined = one unlimited file */
  tracefileSize?: number;
  /** `--tracefile-count`: files per stream, reused round-robin; 0 = unlimited */
  tracefileCount?: number;
}

/** what `snapshot()` wrote */
export interface KernelSnapshotResult {
  /** bytes of the trace directory's files (metadata, streams, index) */
  bytes: number;
  /** events transcoded (before the oldest packets were dropped for the size limit) */
  events: number;
}

/** One `enable-event -k` rule. */
export interface KernelEventRule {
  /** tracepoint: a kernel tracepoint name or glob (`sched_switch`, `sched_*`, `*`);
   *  syscall: a system call name or glob (`openat`, `*`) */
  kind: 'tracepoint' | 'syscall';
  pattern: string;
  /** LTTng filter expression (`--filter`), already validated by the daemon */
  filter?: string;
  enabled: boolean;
}

/** `add-context -k -t` types ttng supports for the kernel domain */
export type KernelContextType = 'pid' | 'tid' | 'ppid' | 'procname' | 'prio' | 'nice' | 'vpid' | 'vtid' | 'vppid' | 'hostname';

export interface KernelChannelStats {
  name: string;
  /** events lost so far (discard mode), summed over CPUs */
  discardedEvents: number;
  /** events written to the trace so far */
  recordedEvents: number;
  /** overwrite mode: events overwritten before they could be read (what the user asked for: neither in discardedEvents nor in the trace's events_discarded, as in LTTng) */
  overwrittenEvents?: number;
}

/**
 * One session's kernel domain. Created when the session gets its first kernel
 * channel; the daemon calls these in the order the user's commands come.
 * Every method may throw an Error whose message is one line meant for the user.
 */
export interface KernelSession {
  addChannel(cfg: KernelChannelConfig): void;
  /** rules apply to the channel now if tracing, else at start() */
  setEventRules(channel: string, rules: KernelEventRule[]): void;
  setContexts(channel: string, types: KernelContextType[]): void;
  /** creates instances, writes the statedump and starts reading */
  start(): Promise<void>;
  /** stops tracing and returns once every event read is on disk */
  stop(): Promise<KernelChannelStats[]>;
  stats(): KernelChannelStats[];
  /** removes every ftrace instance this session made (idempotent) */
  destroy(): Promise<void>;
  /**
   * Snapshot sessions: writes the newest content of every buffer as a
   * complete CTF trace in `dir` (at most `maxBytes` in all when > 0); tracing
   * goes on.
   */
  snapshot?(dir: string, maxBytes: number): Promise<KernelSnapshotResult>;
  /** session rotation: everything read so far is closed in the current directory; the trace goes on in `dir` */
  rotate?(dir: string): Promise<void>;
  /** empties the buffers and the current trace files (metadata stays) */
  clear?(): Promise<void>;
}

export interface KernelSessionOptions {
  /** `<session output>/kernel` */
  outputDir: string;
  sessionName: string;
  /** unique per daemon run; ftrace instance names start with `ttng_<daemonId>_` */
  daemonId: string;
  /** flight recorder: nothing is read while tracing, only by snapshot() (outputDir is not written) */
  snapshot?: boolean;
  /** how trace files and folders are made (the session owner's identity); default node:fs */
  fs?: OutputFs;
}

/** prefix of every ftrace instance ttng creates (stale ones are removed at daemon start) */
export const INSTANCE_PREFIX = 'ttng_';
