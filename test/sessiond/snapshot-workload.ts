// What the snapshot, rotation and coredump tests share: a C workload whose
// system calls can be counted exactly (N getppid calls, optionally after a
// byte on stdin, optionally slowed down, optionally ending in abort()), the real-kernel skip reason,
// and trace readers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO, babeltrace2, runSync } from '../helpers.js';
import { isRoot } from './harness.js';

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => fs.existsSync(path.join(d, 'instances')));

export const whyNoKernel: string | false = !fs.existsSync(path.join(REPO, 'src', 'kernel', 'index.ts'))
  ? 'the kernel tracer is not there'
  : !isRoot()
    ? 'needs root'
    : TRACEFS === undefined
      ? 'no tracefs'
      : !fs.existsSync('/usr/bin/cc')
        ? 'no C compiler'
        : false;

const SOURCE = `#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
/* usage: workload N [w][s][a]: w = wait for a byte on stdin first, s = sleep 5 ms every 1000 calls, a = abort() at the end */
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000;
  const char *m = argc > 2 ? argv[2] : "";
  char c;
  if (strchr(m, 'w') && read(0, &c, 1) != 1) return 2;
  int slow = strchr(m, 's') != 0;
  for (long i = 0; i < n; i++) {
    syscall(SYS_getppid);
    if (slow && i % 1000 == 999) usleep(5000);
  }
  if (strchr(m, 'a')) abort();
  return 0;
}
`;

/** compiles the workload into `dir`; returns its path */
export function buildWorkload(dir: string): string {
  const src = path.join(dir, 'workload.c');
  const exe = path.join(dir, 'workload');
  fs.writeFileSync(src, SOURCE);
  const r = runSync('/usr/bin/cc', ['-O1', '-o', exe, src]);
  if (r.code !== 0) throw new Error(`cc failed: ${r.stderr}`);
  return exe;
}

export interface TraceEvent {
  name: string;
  tid?: number;
  line: string;
}

/** babeltrace2's text of a trace, parsed into events (asserting exit 0) */
export async function readTrace(dir: string): Promise<{ events: TraceEvent[]; stderr: string }> {
  const r = await babeltrace2([dir], 120_000);
  if (r.code !== 0) throw new Error(`babeltrace2 ${dir}: exit ${r.code}\n${r.stderr}`);
  const events: TraceEvent[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\[[^\]]+\] \([^)]+\) \S+ ([a-z0-9_]+): (.*)$/.exec(line);
    if (!m) continue;
    const t = /\{ tid = ([0-9]+) \}/.exec(m[2]!);
    events.push({ name: m[1]!, tid: t ? Number(t[1]) : undefined, line });
  }
  return { events, stderr: r.stderr };
}

/** bytes of the regular files under `dir` */
export function filesBytes(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += filesBytes(p);
    else if (e.isFile()) n += fs.statSync(p).size;
  }
  return n;
}
