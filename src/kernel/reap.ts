// Removing what ttng processes left in the kernel: their ftrace instances and
// their groups of the global `uprobe_events`. One implementation for both
// callers: a daemon at start (owners unknown, maybe alive: cleanupStaleInstances)
// and the reaper of one daemon that just died (src/sessiond/reaper.ts).
// Imports only tracefs.ts and api.ts, so that the reaper process stays small.
import { INSTANCE_PREFIX } from './api.js';
import { Instance, Tracefs, TracefsError } from './tracefs.js';

/** What to remove. */
export interface ReapScope {
  /** instances and uprobe groups whose names start with this: INSTANCE_PREFIX (any ttng process's) or daemonPrefix(pid) */
  prefix: string;
  /**
   * true: the owner is known to be dead: stop its instances at once, disable
   * their events, and wait while the kernel still closes its files (EBUSY).
   * false: the owner may be alive: one rmdir, which the kernel refuses while
   * any file of the instance is open (a live session always keeps one), and
   * nothing of the instance's state is touched.
   */
  ownerDead: boolean;
  /** this process's own instances and groups: never touched */
  keepInstances?: ReadonlySet<string>;
  keepGroups?: ReadonlySet<string>;
}

export interface ReapReport {
  /** instances removed */
  instances: string[];
  /** uprobe events removed, as `group/event` */
  uprobes: string[];
  /** one line per thing that could not be removed */
  failures: string[];
}

/**
 * The prefix of everything the daemon whose id is `pid` names (session.ts:
 * instances `ttng_<id>_<session>_<channel>`, uprobe groups `ttng_<id>_<n>`).
 * The trailing `_` keeps pid 12 off pid 123's names.
 */
export function daemonPrefix(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`not a pid: ${pid}`);
  return `${INSTANCE_PREFIX}${pid}_`;
}

export function reapKernelState(tfs: Tracefs, scope: ReapScope): ReapReport {
  const report: ReapReport = { instances: [], uprobes: [], failures: [] };
  const names = tfs.listInstances().filter((n) => n.startsWith(scope.prefix) && !scope.keepInstances?.has(n));
  if (scope.ownerDead) {
    // recording stops first (instant); disabling the events is what takes the
    // kernel time (~25 ms per uprobe), and an enabled uprobe cannot be removed
    const insts = names.map((n) => new Instance(tfs, n, tfs.instancePath(n)));
    for (const i of insts) i.tryWrite('tracing_on', '0');
    const disabled = new Set<string>();
    for (const i of insts) {
      try {
        i.write('events/enable', '0');
        disabled.add(i.name);
      } catch (e) {
        report.failures.push((e as Error).message);
      }
    }
    for (const n of names) {
      try {
        if (tfs.removeInstance(n)) report.instances.push(n);
      } catch (e) {
        const state = disabled.has(n) ? 'tracing stopped, events disabled' : 'tracing stopped';
        report.failures.push(e instanceof TracefsError ? `${e.message} (${state})` : String(e));
      }
    }
  } else {
    for (const n of names) if (tfs.removeIfUnused(n)) report.instances.push(n);
  }
  for (const { group, event } of tfs.uprobesWithPrefix(scope.prefix)) {
    if (scope.keepGroups?.has(group)) continue;
    if (tfs.removeUprobe(group, event)) report.uprobes.push(`${group}/${event}`);
    else if (scope.ownerDead) report.failures.push(`cannot remove uprobe ${group}/${event}`);
  }
  return report;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** "1 ftrace instance and 37 uprobes" */
export function countsText(c: { instances: number; uprobes: number }): string {
  return `${plural(c.instances, 'ftrace instance')} and ${plural(c.uprobes, 'uprobe')}`;
}

/** "removed 1 ftrace instance and 37 uprobes (NAME; uprobe group GROUP)": the reaper's log line */
export function reportText(r: ReapReport): string {
  const groups = [...new Set(r.uprobes.map((u) => u.slice(0, u.indexOf('/'))))];
  let s = `removed ${countsText({ instances: r.instances.length, uprobes: r.uprobes.length })}`;
  const named: string[] = [];
  if (r.instances.length) named.push(r.instances.join(', '));
  if (groups.length) named.push(`uprobe group${groups.length === 1 ? '' : 's'} ${groups.join(', ')}`);
  if (named.length) s += ` (${named.join('; ')})`;
  return s;
}
