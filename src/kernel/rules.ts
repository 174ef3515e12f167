// Which ftrace events a channel's `enable-event -k` rules select. Pure.
import type { KernelEventRule } from './api.js';
import { lttngEventName } from './mapping.js';
import { STATEDUMP_EVENTS } from './statedump.js';
import { globMatch, isGlob } from '../filter/glob.js';

/** systems a tracepoint rule never selects (syscalls have their own rules; ttng's probes are internal) */
export function excludedSystem(system: string): boolean {
  return system === 'syscalls' || system === 'raw_syscalls' || system === 'ftrace' || system.startsWith('ttng_');
}

export interface Selection {
  /** `system/name` of the ftrace events to enable */
  events: Set<string>;
  /** for each of them, the filters of the rules that select it (undefined: a rule without filter) */
  filters: Map<string, (string | undefined)[]>;
  /** the rules select LTTng's statedump events */
  statedump: boolean;
  /** non-glob patterns that name nothing */
  missing: KernelEventRule[];
}

/**
 * Resolves rules against the kernel's events. A tracepoint pattern matches an
 * event by its LTTng name (`irq_softirq_entry`) or its ftrace name
 * (`softirq_entry`, `irq:softirq_entry`); a syscall pattern matches the call's
 * name (`openat`) and selects both `sys_enter_` and `sys_exit_` events.
 */
export function selectEvents(rules: KernelEventRule[], available: { system: string; name: string }[], syscalls: string[]): Selection {
  const events = new Set<string>();
  const filters = new Map<string, (string | undefined)[]>();
  const add = (key: string, filter: string | undefined): void => {
    events.add(key);
    let l = filters.get(key);
    if (!l) filters.set(key, (l = []));
    l.push(filter);
  };
  const missing: KernelEventRule[] = [];
  let statedump = false;
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const re = { test: (n: string): boolean => globMatch(rule.pattern, n) };
    let hit = false;
    if (rule.kind === 'syscall') {
      for (const s of syscalls) {
        if (!re.test(s)) continue;
        add(`syscalls/sys_enter_${s}`, rule.filter);
        add(`syscalls/sys_exit_${s}`, rule.filter);
        hit = true;
      }
    } else {
      for (const e of available) {
        if (excludedSystem(e.system)) continue;
        if (re.test(lttngEventName(e.system, e.name)) || re.test(e.name) || re.test(`${e.system}:${e.name}`)) {
          add(`${e.system}/${e.name}`, rule.filter);
          hit = true;
        }
      }
      if (STATEDUMP_EVENTS.some((n) => re.test(n))) {
        statedump = true;
        hit = true;
      }
    }
    if (!hit && !isGlob(rule.pattern)) missing.push(rule);
  }
  return { events, filters, statedump, missing };
}
