// The kernel tracer's entry points for the session daemon (see api.ts).
import { INSTANCE_PREFIX } from './api.js';
import { lttngEventName } from './mapping.js';
import { reapKernelState } from './reap.js';
import { excludedSystem } from './rules.js';
import { ownedGroups, ownedInstances } from './owned.js';
import { STATEDUMP_EVENTS } from './statedump.js';
import { Tracefs, TracefsError, ensureTracefs } from './tracefs.js';

export type {
  KernelChannelConfig, KernelChannelStats, KernelContextType, KernelEventRule, KernelSession, KernelSessionOptions,
} from './api.js';
export { INSTANCE_PREFIX } from './api.js';
export { createKernelSession } from './session.js';
export { KERNEL_CONTEXT_TYPES } from './mapping.js';

/** Whether this process can trace the kernel; the reason (one line) when not. */
export function kernelTracerAvailable(): { ok: true } | { ok: false; reason: string } {
  try {
    ensureTracefs();
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: e instanceof TracefsError ? e.message : `kernel tracing is not available: ${(e as Error).message}` };
  }
}

/** Kernel tracepoints by their LTTng names (`lttng list -k`), sorted. */
export function listKernelTracepoints(): string[] {
  const tfs = new Tracefs();
  const names = new Set<string>(STATEDUMP_EVENTS);
  for (const e of tfs.availableEvents()) if (!excludedSystem(e.system)) names.add(lttngEventName(e.system, e.name));
  return [...names].sort();
}

/** System calls the kernel can trace (`lttng list -k --syscall`), sorted. */
export function listKernelSyscalls(): string[] {
  return new Tracefs().syscallNames();
}

/**
 * Removes what an earlier ttng process left behind (e.g. after kill -9):
 * `ttng_*` ftrace instances and `ttng_*` uprobe events that this process does
 * not own and that nobody uses. An instance of a live ttng session always has
 * an open file (the kernel then refuses to remove it) and its uprobes are
 * enabled (same), so a daemon starting beside another one, or beside a test,
 * removes only what is really stale. Returns how many instances and how many
 * uprobe events were removed.
 */
export function cleanupStaleInstances(): { instances: number; uprobes: number } {
  let tfs: Tracefs;
  try {
    tfs = new Tracefs();
  } catch {
    return { instances: 0, uprobes: 0 };
  }
  const r = reapKernelState(tfs, { prefix: INSTANCE_PREFIX, ownerDead: false, keepInstances: ownedInstances, keepGroups: ownedGroups });
  return { instances: r.instances.length, uprobes: r.uprobes.length };
}
