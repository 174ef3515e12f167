// What a peer may name, and where it lands (pure). Every name or path a sessiond
// sends (hostname, session name, base path, stream path, channel name, chunk name)
// becomes part of a file path under the relay's output directory: each is checked
// here, as lttng-relayd does and a little stricter (no `..` anywhere, no NUL), and
// the resulting path is checked again to stay under the output root (`within`).
import * as path from 'node:path';
import { creationDatetime, datetimeSuffix } from '../ctl/time.js';

/** `-p` (LTTng's default) or `-s` */
export type GroupBy = 'host' | 'session';

/** Why a name is refused, or undefined when it may be used as one path component. */
export function badComponent(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('/')) return 'contains a path separator';
  // `.`/`..` walk the tree; LTTng also refuses hidden names (is_name_path_safe)
  if (name.startsWith('.')) return 'starts with "."';
  return undefined;
}

/**
 * A relative path a peer sends (a base path, a stream's trace path), normalised:
 * leading and repeated `/` and `.` components dropped (pre-2.11 peers send absolute
 * paths that are relative to the relay's output). Refused when a component is `..`
 * or holds a NUL. `allowEmpty`: an empty result is a valid answer.
 */
export function relativePath(p: string, allowEmpty: boolean): string | { error: string } {
  if (p.includes('\0')) return { error: 'contains a NUL byte' };
  const parts = p.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) return { error: 'walks up the tree ("..")' };
  if (parts.length === 0 && !allowEmpty) return { error: 'is empty' };
  return parts.join('/');
}

/** LTTng's is_valid_chunk_name: not empty, shorter than NAME_MAX, no `/` nor `.` */
export function badChunkName(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name) >= 255) return 'is too long';
  if (/[/.\0]/.test(name)) return 'contains "/", "." or NUL';
  return undefined;
}

export interface SessionNaming {
  sessionName: string;
  hostname: string;
  /** '' = none */
  basePath: string;
  /** seconds since the epoch */
  creationTime: bigint;
  nameContainsCreationTime: boolean;
}

/**
 * The session's directory relative to the output root, as lttng-relayd 2.11+ makes it:
 * by host `HOST/NAME-DATE-TIME` (or `HOST/BASE` with a base path, `HOST/NAME` when the
 * name already holds its date), by session `NAME/HOST-DATE-TIME[/BASE]`.
 */
export function sessionOutputPath(s: SessionNaming, groupBy: GroupBy): string {
  const when = datetimeSuffix(new Date(Number(s.creationTime) * 1000));
  if (groupBy === 'session') return `${s.sessionName}/${s.hostname}-${when}${s.basePath ? `/${s.basePath}` : ''}`;
  if (s.basePath) return `${s.hostname}/${s.basePath}`;
  if (s.nameContainsCreationTime) return `${s.hostname}/${s.sessionName}`;
  return `${s.hostname}/${s.sessionName}-${when}`;
}

/** A trace chunk's generated name: `START-ID`, or `START-END-ID` once closed (LTTng's generate_chunk_name). */
export function chunkName(id: bigint, creation: bigint, close?: bigint): string {
  const iso = (s: bigint): string => creationDatetime(new Date(Number(s) * 1000));
  return `${iso(creation)}${close === undefined ? '' : `-${iso(close)}`}-${id}`;
}

/** `root/rel`, or undefined when it would not be strictly under `root` (both made absolute). */
export function within(root: string, rel: string): string | undefined {
  const r = path.resolve(root);
  const p = path.resolve(r, rel);
  return p === r || p.startsWith(r + path.sep) ? p : undefined;
}

/** true when `p` is `root` itself or below it (both absolute and normalised) */
export function isUnder(root: string, p: string): boolean {
  const r = path.resolve(root);
  const q = path.resolve(p);
  return q === r || q.startsWith(r + path.sep);
}
