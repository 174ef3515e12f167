// The control protocol between ttng-sessiond and its clients (the CLI and any
// program using `ttng/ctl`): newline-delimited JSON over a unix socket. Each
// request is one line `{"id":N,"method":"…","params":{…}}`; the daemon answers
// each with one line `{"id":N,"result":…}` or `{"id":N,"error":{code,message}}`.
// Requests on one connection are answered in order.

export const PROTOCOL_VERSION = 1;

export type DomainType = 'kernel' | 'ust';
/** UST buffering scheme (`--buffers-uid`, the default, or `--buffers-pid`) */
export type UstBuffers = 'uid' | 'pid';
export type EventKind = 'tracepoint' | 'syscall';
export type EventLossMode = 'discard' | 'overwrite';

/** `lttng enable-channel` attributes, as `lttng list SESSION` shows them */
export interface ChannelAttributes {
  /** bytes per sub-buffer (power of 2) */
  subbufSize: number;
  /** sub-buffers per CPU (power of 2) */
  numSubbuf: number;
  /** µs; 0 = off */
  switchTimerUs: number;
  /** µs; 0 = off */
  readTimerUs: number;
  /** µs */
  monitorTimerUs: number;
  /** µs; -1 = infinite */
  blockingTimeoutUs: number;
  overwrite: boolean;
  /** bytes per trace file; 0 = unlimited */
  tracefileSize: number;
  /** files per stream; 0 = unlimited */
  tracefileCount: number;
  output: 'splice' | 'mmap';
}

/** LTTng's kernel channel defaults (`tools@2.13:configure.ac`) */
export const KERNEL_CHANNEL_DEFAULTS: Readonly<ChannelAttributes> = Object.freeze({
  subbufSize: 1 << 20,
  numSubbuf: 4,
  switchTimerUs: 0,
  readTimerUs: 200_000,
  monitorTimerUs: 1_000_000,
  blockingTimeoutUs: 0,
  overwrite: false,
  tracefileSize: 0,
  tracefileCount: 0,
  output: 'splice',
});

/** LTTng's user-space channel defaults, per-UID buffers (`tools@2.13:configure.ac`): 4 × 512 KiB, mmap, no read timer */
export const UST_UID_CHANNEL_DEFAULTS: Readonly<ChannelAttributes> = Object.freeze({
  subbufSize: 512 << 10,
  numSubbuf: 4,
  switchTimerUs: 0,
  readTimerUs: 0,
  monitorTimerUs: 1_000_000,
  blockingTimeoutUs: 0,
  overwrite: false,
  tracefileSize: 0,
  tracefileCount: 0,
  output: 'mmap',
});

/** per-PID buffers: 4 × 16 KiB */
export const UST_PID_CHANNEL_DEFAULTS: Readonly<ChannelAttributes> = Object.freeze({ ...UST_UID_CHANNEL_DEFAULTS, subbufSize: 16 << 10 });

export const DEFAULT_CHANNEL_NAME = 'channel0';

/** `--loglevel L` (L or more severe: `range`) or `--loglevel-only L` (`single`) */
export interface LoglevelCriterion {
  type: 'range' | 'single';
  /** UST level, 0 (EMERG) to 14 (DEBUG) */
  level: number;
}

export interface EventRuleInfo {
  kind: EventKind;
  /** name or glob pattern */
  name: string;
  filter?: string;
  enabled: boolean;
  /** user space: log level criterion (none: any level) */
  loglevel?: LoglevelCriterion;
  /** user space: excluded event names or patterns (`-x`) */
  exclusions?: string[];
}

export interface ChannelInfo {
  name: string;
  enabled: boolean;
  attributes: ChannelAttributes;
  /** `add-context` types, in the order added */
  contexts: string[];
  /** event rules, newest first (as LTTng lists them) */
  events: EventRuleInfo[];
  discardedEvents: number;
  lostPackets: number;
  recordedEvents: number;
}

export interface DomainInfo {
  type: DomainType;
  bufferType: 'global' | 'per-uid' | 'per-pid';
  /** newest first (as LTTng lists them) */
  channels: ChannelInfo[];
}

export interface SessionSummary {
  name: string;
  /** tracing right now */
  active: boolean;
  /** absolute output directory ('' when none) */
  outputPath: string;
  snapshotMode: boolean;
  liveTimerUs: number;
  /** ISO date of creation */
  createdAt: string;
}

export interface SessionDetail extends SessionSummary {
  domains: DomainInfo[];
}

export interface DaemonInfo {
  version: string;
  protocol: number;
  pid: number;
  uid: number;
  socket: string;
  home: string;
  kernel: { ok: true } | { ok: false; reason: string };
}

/** `lttng list -u`: one registered app (all its threads) and the events it declared */
export interface UstAppListing {
  pid: number;
  procname: string;
  /** newest declaration first, as lttng lists them */
  events: { name: string; loglevel: number; fields: { name: string; type: string }[] }[];
}

/** kernel contexts `add-context -k -t` accepts */
export const KERNEL_CONTEXTS = ['pid', 'tid', 'ppid', 'procname', 'prio', 'nice', 'vpid', 'vtid', 'vppid', 'hostname'] as const;
export type KernelContextName = (typeof KERNEL_CONTEXTS)[number];

/** `snapshot list-output`: one snapshot output of a session */
export interface SnapshotOutputInfo {
  id: number;
  name: string;
  /** absolute local directory */
  path: string;
  /** bytes; 0 = no limit */
  maxSize: number;
}

/** method name → params and result */
export interface Methods {
  'daemon.info': { params: Record<string, never>; result: DaemonInfo };
  /** `snapshot`: flight-recorder session (overwrite channels, nothing written until `snapshot.record`) */
  'session.create': { params: { name?: string; outputDir?: string; snapshot?: boolean; noOutput?: boolean }; result: SessionSummary };
  /** stops (waiting for the data) and destroys */
  /** `archive`: the last trace chunk's archive, when the session was rotated */
  'session.destroy': { params: { name: string }; result: { wasActive: boolean; archive?: string } };
  'session.start': { params: { name: string }; result: Record<string, never> };
  /** `wait: false` returns at once; poll `session.dataPending` */
  'session.stop': { params: { name: string; wait?: boolean }; result: Record<string, never> };
  /** `error`: why the last stop failed, once it is over */
  'session.dataPending': { params: { name: string }; result: { pending: boolean; error?: string } };
  'session.list': { params: Record<string, never>; result: SessionSummary[] };
  'session.get': { params: { name: string }; result: SessionDetail };
  'channel.enable': {
    params: { session: string; domain: DomainType; name: string; attributes?: Partial<ChannelAttributes>; buffers?: UstBuffers };
    result: ChannelInfo;
  };
  /**
   * `kind: 'all'` is `enable-event -k NAME` without --tracepoint/--syscall:
   * a tracepoint rule, plus a syscall rule when NAME is `*`. No `channel`
   * means `channel0`, created with the domain's defaults when missing.
   */
  'event.enable': {
    params: {
      session: string;
      domain: DomainType;
      channel?: string;
      kind: EventKind | 'all';
      name: string;
      filter?: string;
      /** user space only */
      loglevel?: LoglevelCriterion;
      /** user space only; needs a pattern NAME */
      exclusions?: string[];
    };
    result: { channel: string; created: EventRuleInfo[]; warnings?: string[] };
  };
  /** no `name`: every event (of `kind`, `all` = any) */
  'event.disable': {
    params: { session: string; domain: DomainType; channel?: string; kind: EventKind | 'all'; name?: string };
    result: { channel: string; disabled: number };
  };
  /** no `channel`: every channel of the domain (channel0 is made when there is none) */
  'context.add': {
    params: { session: string; domain: DomainType; channel?: string; type: string };
    result: { channels: string[] };
  };
  'kernel.listTracepoints': { params: Record<string, never>; result: string[] };
  'kernel.listSyscalls': { params: Record<string, never>; result: string[] };
  /** the registered apps and their events (`lttng list -u`) */
  'ust.listTracepoints': { params: Record<string, never>; result: UstAppListing[] };
  /** no `name`: every session; files `<outputDir>/<name>.lttng` */
  'session.save': { params: { name?: string; outputDir?: string; force?: boolean }; result: { files: string[] } };
  /** no `name`: every session found; `inputPath` a file or a directory */
  'session.load': { params: { name?: string; inputPath?: string; force?: boolean }; result: { sessions: string[] } };
  /** no `outputDir`: the session's snapshot output; `name` replaces the output's name in the directory name */
  'snapshot.record': { params: { session: string; name?: string; maxSize?: number; outputDir?: string }; result: { path: string } };
  'snapshot.addOutput': { params: { session: string; outputDir: string; name?: string; maxSize?: number }; result: SnapshotOutputInfo };
  'snapshot.listOutputs': { params: { session: string }; result: SnapshotOutputInfo[] };
  /** by `id` or by `name` */
  'snapshot.delOutput': { params: { session: string; id?: number; name?: string }; result: SnapshotOutputInfo };
  /** `path`: the archived chunk, readable now */
  'session.rotate': { params: { name: string }; result: { path: string } };
  'rotation.enable': { params: { session: string; timerUs?: number; sizeBytes?: number }; result: Record<string, never> };
  'rotation.disable': { params: { session: string; timer?: boolean; size?: boolean }; result: Record<string, never> };
  'session.clear': { params: { name: string }; result: Record<string, never> };
}

export type Method = keyof Methods;
export type Params<M extends Method> = Methods[M]['params'];
export type Result<M extends Method> = Methods[M]['result'];

export interface Request<M extends Method = Method> {
  id: number;
  method: M;
  params: Params<M>;
}

/** LTTng's error codes (`lttng-error.h`), the ones ttng uses */
export const ERROR_MESSAGES = {
  UNK: 'Unknown error',
  FATAL: 'Fatal error of the session daemon',
  INVALID: 'Invalid parameter',
  INVALID_PROTOCOL: 'Invalid protocol message',
  UNKNOWN_METHOD: 'Unknown command',
  NO_SESSIOND: 'No session daemon is available',
  NO_SESSION: 'No session found',
  SESS_NOT_FOUND: 'Session name not found',
  EXIST_SESS: 'Session name already exists',
  SESSION_INVALID_CHAR: 'Invalid character found in session name',
  NO_CHANNEL: 'No channel found in the session',
  NO_EVENT: 'Event not found',
  TRACE_ALREADY_STARTED: 'Tracing has already been started once',
  TRACE_ALREADY_STOPPED: 'Tracing has already been stopped',
  SESSION_STARTED: 'Session is running',
  KERN_NA: 'Kernel tracer not available',
  NEED_ROOT_SESSIOND:
    'Tracing the kernel requires a root ttng-sessiond daemon, as well as "tracing" group membership or root user ID for the ttng client',
  KERN_CHAN_EXIST: 'Kernel channel already exists',
  KERN_CHAN_FAIL: 'Kernel create channel failed',
  KERN_CHAN_NOT_FOUND: 'Kernel channel not found',
  KERN_EVENT_EXIST: 'Kernel event already exists',
  KERN_ENABLE_FAIL: 'Enable kernel event failed',
  KERN_CONTEXT_FAIL: 'Add kernel context failed',
  KERN_START_FAIL: 'Starting kernel trace failed',
  KERN_STOP_FAIL: 'Stopping kernel trace failed',
  KERN_LIST_FAIL: 'Listing kernel events failed',
  UST_CHAN_EXIST: 'UST channel already exist',
  UST_CHAN_FAIL: 'UST create channel failed',
  UST_CHAN_NOT_FOUND: 'UST channel not found',
  UST_EVENT_EXIST: 'UST event already enabled',
  UST_EVENT_NOT_FOUND: 'UST event not found',
  UST_CONTEXT_EXIST: 'UST context already exist',
  UST_CONTEXT_INVAL: 'UST invalid context',
  UST_START_FAIL: 'Starting UST trace failed',
  UST_STOP_FAIL: 'Stopping UST trace failed',
  BUFFER_TYPE_MISMATCH: 'Buffer type mismatch for session',
  NOT_SUPPORTED: 'Operation not supported',
  EXCLUSION_INVAL: 'Invalid event exclusion data',
  INVALID_LOGLEVEL: 'Unknown loglevel',
  NEED_CHANNEL_NAME: "Non-default channel exists within session: channel name needs to be specified with '-c name'",
  INVALID_CHANNEL_NAME: 'Invalid channel name',
  FILTER_INVAL: 'Invalid filter expression',
  FILTER_EXIST: 'Filter already exist',
  SAVE_FILE_EXIST: 'Session file already exists',
  SAVE_IO_FAIL: 'IO error while writing session configuration',
  LOAD_INVALID_CONFIG: 'Invalid session configuration',
  LOAD_IO_FAIL: 'IO error while reading a session configuration',
  LOAD_SESSION_NOENT: 'Session file not found',
  SNAPSHOT_FAIL: 'Snapshot record failed',
  SNAPSHOT_NODATA: 'No data available in snapshot',
  SNAPSHOT_INVALID_SIZE: 'Snapshot max size is invalid',
  SNAPSHOT_OUTPUT_EXIST: 'Snapshot output already exists',
  NOT_SNAPSHOT_SESSION: "Snapshot command can't be applied to a non-snapshot session",
  NO_SESSION_OUTPUT: 'Session has no output',
  ROTATION_NOT_AVAILABLE: "Rotation feature not available for this session's creation mode",
  ROTATION_FAIL: 'Rotation failure on consumer',
  ROTATION_MULTIPLE_AFTER_STOP: 'Session was already rotated once since it became inactive',
  ROTATION_SCHEDULE_SET: 'A rotation schedule of this type is already set',
  ROTATION_SCHEDULE_NOT_SET: 'No rotation schedule of this type is set',
  CLEAR_FAIL: 'Clear failed',
  CREATE_DIR_FAIL: 'Create directory failed',
  EPERM: 'Permission denied',
  NOMEM: 'Not enough memory',
} as const;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

export interface WireError {
  code: ErrorCode;
  message: string;
}

export type Response<M extends Method = Method> =
  | { id: number; result: Result<M>; error?: undefined }
  | { id: number; error: WireError; result?: undefined };

/** An error the daemon reports (or the client could not reach it). */
export class CtlError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_MESSAGES[code],
  ) {
    super(message);
    this.name = 'CtlError';
  }
  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, s);
}
