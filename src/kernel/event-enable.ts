// A session's rules → the events of each channel's instance: a plan per
// event (and its class in the metadata), filters in the kernel or in the
// consumer, the libc uprobes that give system calls their path strings, the
// thread events ttng reads for itself, and the ids of the statedump events.
import type { EventClass } from '../ctf/model.js';
import { parseFilter } from '../filter/filter.js';
import type { KernelContextType } from './api.js';
import type { Channel } from './channel.js';
import type { MetadataWriter } from './ctf-out.js';
import { eventFilter } from './filter.js';
import type { EventFormat } from './format.js';
import { PLAN_RAW, planEvent } from './mapping.js';
import { newUprobeGroup } from './owned.js';
import { selectEvents } from './rules.js';
import type { StatedumpEvent } from './statedump.js';
import { STATEDUMP_EVENTS, statedumpClasses } from './statedump.js';
import type { Instance, Tracefs } from './tracefs.js';
import { PRIO_TRACKING_EVENTS, TRACKING_EVENTS, trackSpec } from './tracker.js';
import { UprobeSet } from './uprobes.js';

/** contexts whose values the thread tracker knows better than /proc */
const TRACKED_CONTEXTS = new Set<KernelContextType>(['pid', 'ppid', 'procname', 'vpid', 'vtid', 'vppid', 'prio', 'nice']);

export class ChannelEvents {
  /** the session's uprobes (one group for all its channels), once a rule needs path strings */
  uprobes: UprobeSet | undefined;
  /** ids of the statedump events (the same in every channel), once chosen */
  readonly statedumpIds = new Map<StatedumpEvent, number>();

  /** `tracefs()`: the session's (made on first use) */
  constructor(private readonly tracefs: () => Tracefs, private readonly daemonId: string) {}

  /** enables what the rules select (and disables what they no longer do); new event classes go to `metadata` */
  apply(ch: Channel, metadata: MetadataWriter): void {
    const tfs = this.tracefs();
    const inst = ch.instance!;
    const consumer = ch.consumer!;
    const sel = selectEvents(ch.rules, tfs.availableEvents(), tfs.syscallNames());
    const newClasses: EventClass[] = [];
    const toEnable: string[] = [];
    const off = new Set<string>();
    for (const key of sel.events) {
      const [system, name] = key.split('/') as [string, string];
      let plan = ch.ids.has(key) ? ch.plans.get(ch.ids.get(key)!) : undefined;
      if (!plan) {
        try {
          // a syscall exit records output arguments that only its entry has
          const entry = system === 'syscalls' && name.startsWith('sys_exit_') ? tryFormat(inst, system, 'sys_enter_' + name.slice(9)) : undefined;
          plan = planEvent(inst.format(system, name), entry);
        } catch {
          continue; // unreadable format: leave the event out
        }
        if (!ch.plans.has(plan.id)) {
          ch.plans.set(plan.id, plan);
          newClasses.push({ id: plan.id, name: plan.name, streamId: ch.streamId, payload: plan.payload });
        }
        ch.ids.set(key, plan.id);
      }
      // --filter: in the kernel when ftrace can say it, else in the consumer
      let f = eventFilter(sel.filters.get(key) ?? [undefined], plan.format!);
      // thread tracking needs every record of its events: filter those here
      if (f?.kind === 'ftrace' && (TRACKING_EVENTS.includes(key) || (ch.contexts.some((c) => c === 'prio' || c === 'nice') && PRIO_TRACKING_EVENTS.includes(key)))) f = { kind: 'user', nodes: sel.filters.get(key)!.map((x) => parseFilter(x!)) };
      plan.userFilter = undefined;
      if (f?.kind === 'never') {
        off.add(key);
        continue;
      }
      let kernelFilter = '0';
      if (f?.kind === 'ftrace') kernelFilter = f.text;
      else if (f?.kind === 'user') plan.userFilter = f.nodes;
      if (!inst.tryWrite(`events/${system}/${name}/filter`, kernelFilter + '\n')) {
        if (f?.kind === 'ftrace') {
          // the kernel refused it: evaluate it here
          plan.userFilter = eventFilter(sel.filters.get(key)!, plan.format!)?.kind === 'never' ? undefined : sel.filters.get(key)!.map((x) => parseFilter(x!));
          inst.tryWrite(`events/${system}/${name}/filter`, '0\n');
        }
      }
      plan.fast = plan.kind === PLAN_RAW && !plan.pathExit && plan.userFilter === undefined;
      consumer.setPlan(plan);
      if (!ch.enabled.has(key)) toEnable.push(key);
    }
    if (ch.statedump && !metadata.has(ch.streamId, this.statedumpId('lttng_statedump_start', ch))) {
      newClasses.push(...statedumpClasses(this.statedumpIdsFor(ch), ch.streamId));
    }
    metadata.addEvents(newClasses);
    // path strings of system calls: libc uprobes in this instance
    if (!ch.probes && [...sel.events].some((k) => ch.ids.has(k) && ch.plans.get(ch.ids.get(k)!)!.pathPointers.length > 0)) this.enableProbes(ch);
    // who threads are (contexts, fork's process ids): a few thread events, read ahead
    if (!ch.internal.size && (ch.contexts.some((c) => TRACKED_CONTEXTS.has(c)) || sel.events.has('sched/sched_process_fork'))) this.enableTracking(ch);
    const failed: string[] = [];
    for (const key of toEnable) {
      const [system, name] = key.split('/') as [string, string];
      try {
        inst.enableEvent(system, name, true);
        ch.enabled.add(key);
      } catch {
        failed.push(key);
      }
    }
    for (const key of [...ch.enabled]) {
      if (sel.events.has(key) && !off.has(key)) continue;
      const [system, name] = key.split('/') as [string, string];
      if (ch.internal.has(key)) {
        // still needed by ttng: only stop writing it
        const id = ch.ids.get(key);
        if (id !== undefined) consumer.removePlan(id);
        ch.enabled.delete(key);
      } else if (inst.tryWrite(`events/${system}/${name}/enable`, '0')) ch.enabled.delete(key);
    }
    const explicit = ch.rules.filter((r) => r.enabled && !r.pattern.includes('*'));
    const bad = failed.find((k) => explicit.some((r) => k.endsWith('/' + r.pattern) || k.endsWith('_' + r.pattern)));
    if (bad) throw new Error(`cannot enable kernel event ${bad.replace('/', ':')}`);
  }

  private statedumpIdsFor(ch: Channel): Map<StatedumpEvent, number> {
    if (this.statedumpIds.size) return this.statedumpIds;
    // ids no kernel event uses: counting down from the top of common_type's range
    let id = 0xfffe;
    for (const n of STATEDUMP_EVENTS) {
      while (ch.plans.has(id)) id--;
      this.statedumpIds.set(n, id--);
    }
    return this.statedumpIds;
  }

  private statedumpId(n: StatedumpEvent, ch: Channel): number {
    return this.statedumpIdsFor(ch).get(n)!;
  }

  private enableProbes(ch: Channel): void {
    if (!this.uprobes) {
      const set = new UprobeSet(this.tracefs(), newUprobeGroup(this.daemonId));
      if (!set.install()) return;
      this.uprobes = set;
    }
    const set = this.uprobes;
    for (const ev of set.events) {
      try {
        const f = ch.instance!.format(set.group, ev);
        const strs = [];
        for (let i = 0; ; i++) {
          const path = f.fields.find((x) => x.name === `path${i}`);
          const ptr = f.fields.find((x) => x.name === `ptr${i}`);
          if (!path || !ptr) break;
          strs.push({ path, ptr });
        }
        if (!strs.length) continue;
        ch.consumer!.setProbe(f.id, { strs });
        ch.instance!.enableEvent(set.group, ev, true);
      } catch {
        /* this probe stays off: /proc fallback */
      }
    }
    ch.probes = true;
  }

  private enableTracking(ch: Channel): void {
    const available = new Set(this.tracefs().availableEvents().map((e) => `${e.system}/${e.name}`));
    // priorities at event time (prio, nice contexts): the scheduler events that carry them
    const prio = ch.contexts.some((c) => c === 'prio' || c === 'nice');
    for (const key of prio ? [...TRACKING_EVENTS, ...PRIO_TRACKING_EVENTS] : TRACKING_EVENTS) {
      if (!available.has(key)) continue;
      const [system, name] = key.split('/') as [string, string];
      try {
        const spec = trackSpec(ch.instance!.format(system, name));
        if (!spec) continue;
        ch.consumer!.setTrack(ch.instance!.format(system, name).id, spec);
        ch.instance!.enableEvent(system, name, true);
        ch.internal.add(key);
      } catch {
        /* contexts then come from /proc only */
      }
    }
  }
}

function tryFormat(inst: Instance, system: string, name: string): EventFormat | undefined {
  try {
    return inst.format(system, name);
  } catch {
    return undefined;
  }
}
