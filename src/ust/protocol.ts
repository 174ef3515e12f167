// The contract between a traced app (`ttng/ust`, one connection per JS thread)
// and the session daemon: event declarations going up, the desired tracing
// state coming down. Newline-delimited JSON on the daemon's control socket
// (the same socket and framing as src/ctl/protocol.ts). See src/ust/DESIGN.md.

export { UST_LOGLEVELS, UST_DEFAULT_LOGLEVEL } from '../ctl/loglevels.js';
export type { UstLoglevelName } from '../ctl/loglevels.js';

export interface UstIntegerDecl {
  type: 'integer';
  /** bits: 8, 16, 32 or 64 */
  size: 8 | 16 | 32 | 64;
  signed: boolean;
  /** display base (LTTng's `_hex` fields: 16) */
  base: 10 | 16;
}
export interface UstFloatDecl {
  type: 'float';
  /** 32 = float, 64 = double */
  size: 32 | 64;
}
export interface UstStringDecl {
  type: 'string';
}
export interface UstEnumDecl {
  type: 'enum';
  container: UstIntegerDecl;
  /** inclusive ranges, as ctf_enum_value / ctf_enum_range */
  mappings: { label: string; start: number; end: number }[];
}
export interface UstArrayDecl {
  type: 'array';
  length: number;
  element: UstIntegerDecl;
  /** `ctf_array_text`: UTF-8 text, printed as a string */
  text?: boolean;
}
export interface UstSequenceDecl {
  type: 'sequence';
  /** the length field LTTng-UST declares before the sequence (`_NAME_length`) */
  lengthType: UstIntegerDecl;
  element: UstIntegerDecl;
  text?: boolean;
}
export type UstTypeDecl = UstIntegerDecl | UstFloatDecl | UstStringDecl | UstEnumDecl | UstArrayDecl | UstSequenceDecl;
export interface UstFieldDecl {
  name: string;
  type: UstTypeDecl;
}

export interface UstEventDecl {
  /** `provider:event`, as LTTng-UST names events */
  name: string;
  loglevel: number;
  fields: UstFieldDecl[];
}

/** contexts `add-context -u -t` accepts */
export const UST_CONTEXTS = ['vpid', 'vtid', 'procname', 'pthread_id', 'ip', 'vuid', 'vgid', 'cpu_id'] as const;
export type UstContextName = (typeof UST_CONTEXTS)[number];

/** app → daemon, first message of a connection */
export interface UstRegisterParams {
  pid: number;
  ppid: number;
  /** kernel thread id of this JS thread (gettid) */
  tid: number;
  uid: number;
  gid: number;
  /** /proc/self/comm */
  procname: string;
  /** 0 = main thread, else worker_threads' threadId */
  threadId: number;
  /** every event this thread has declared so far */
  events: UstEventDecl[];
  /** ttng version of the app's library */
  version: string;
}

/** One buffer the app thread must create (or keep) for one session's channel. */
export interface UstChannelConfig {
  /** daemon-wide unique key of this (session, channel, app thread) buffer */
  chanKey: number;
  session: string;
  channel: string;
  /** trace UUID (32 hex digits) to put in every packet header */
  uuid: string;
  /** CTF stream class id of this channel in its trace */
  streamClassId: number;
  /** stream number within the trace: names the file `<channel>_<n>`, goes in `stream_instance_id` and `cpu_id` */
  streamInstanceId: number;
  subbufSize: number;
  numSubbuf: number;
  overwrite: boolean;
  switchTimerUs: number;
  /** in the order the event context declares them */
  contexts: UstContextName[];
  /** 'uid' (default, `ust/uid/<uid>/64-bit`) or 'pid' (`--buffers-pid`) */
  buffers: 'uid' | 'pid';
}

/** Where an enabled event goes: one per channel that records it. */
export interface UstEventTarget {
  chanKey: number;
  /** CTF event id in that channel's stream class */
  id: number;
  /** LTTng filter expressions: record when any passes; `null` = some rule has no filter */
  filters: string[] | null;
}

/** daemon → app (pushed, `{"push":"ust.config","config":…}`): the whole desired state; the app converges to it */
export interface UstAppConfig {
  /** increases with every push */
  generation: number;
  /** buffers to keep; a buffer no longer listed is flushed and released */
  channels: UstChannelConfig[];
  /** enabled events by name; an event absent here costs a branch */
  events: { name: string; targets: UstEventTarget[] }[];
}

/** method name → params and result (app → daemon) */
export interface UstMethods {
  'ust.register': { params: UstRegisterParams; result: { appKey: number } };
  /** events declared after registration */
  'ust.declare': { params: { appKey: number; events: UstEventDecl[] }; result: Record<string, never> };
  /** the app created (or failed to create) the buffer of `chanKey` */
  'ust.channelReady': { params: { appKey: number; chanKey: number; shmName?: string; error?: string }; result: Record<string, never> };
  /** answer to a `ust.flush` push: every packet of these buffers is complete */
  'ust.flushed': { params: { appKey: number; chanKeys: number[]; token: number }; result: Record<string, never> };
}

/** daemon → app pushes */
export type UstPush =
  | { push: 'ust.config'; config: UstAppConfig }
  /** close the current packet of each buffer now (stop, rotation, snapshot); answer with ust.flushed */
  | { push: 'ust.flush'; chanKeys: number[]; token: number };
