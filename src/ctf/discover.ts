// Finding traces on disk as babeltrace2 does: a directory with a `metadata`
// file is a trace; its other regular files are its data streams.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CtfTrace, deniedError, readMetadataFile } from './trace.js';
import type { StreamFile } from './trace.js';

/** Is `dir` a CTF trace (has a `metadata` file)? */
export function isTraceDir(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, 'metadata')).isFile();
  } catch (e) {
    const denied = deniedError(dir, e);
    if (denied) throw denied;
    return false;
  }
}

/** Trace directories under `root` (itself included), as babeltrace2 finds them. */
export function findTraceDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (isTraceDir(d)) {
      out.push(d);
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(d).sort();
    } catch (e) {
      const denied = deniedError(d, e);
      if (denied) throw denied;
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(p);
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** The data stream files of a trace directory, by name; empty ones only with `withEmpty`. */
export function streamFiles(dir: string, withEmpty = false): StreamFile[] {
  const files: StreamFile[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch (e) {
    throw deniedError(dir, e) ?? e;
  }
  for (const n of names) {
    if (n === 'metadata' || n.startsWith('.')) continue;
    const p = path.join(dir, n);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      continue; // removed meanwhile (a live session's trace-file rotation)
    }
    if (!stat.isFile() || (stat.size === 0 && !withEmpty)) continue;
    files.push({ path: p, size: stat.size });
  }
  return files;
}

export function openTrace(dir: string): CtfTrace {
  const tc = readMetadataFile(path.join(dir, 'metadata'));
  return new CtfTrace(dir, tc, streamFiles(dir));
}
