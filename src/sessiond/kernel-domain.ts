// The one place where the session daemon reaches the kernel tracer
// (src/kernel/, contract in src/kernel/api.ts).
//
// TTNG_SESSIOND_KERNEL_MODULE=PATH makes the daemon load another module with
// the same exports instead (the tests use a fake tracer to check the daemon's
// own logic on machines, or as users, that cannot trace the kernel).
import { pathToFileURL } from 'node:url';
import type { KernelSession, KernelSessionOptions } from '../kernel/api.js';
import * as realKernel from '../kernel/index.js';

export type { KernelSession, KernelSessionOptions, KernelChannelConfig, KernelEventRule, KernelContextType, KernelChannelStats } from '../kernel/api.js';

/** what src/kernel/index.ts exports */
export interface KernelBackend {
  createKernelSession(opts: KernelSessionOptions): KernelSession;
  listKernelTracepoints(): string[];
  listKernelSyscalls(): string[];
  /** removes the ftrace instances and uprobes of dead daemons; returns how many of each */
  cleanupStaleInstances(): { instances: number; uprobes: number };
  kernelTracerAvailable(): { ok: true } | { ok: false; reason: string };
  readonly KERNEL_CONTEXT_TYPES: readonly string[];
}

let loading: Promise<KernelBackend | Error> | undefined;

function isBackend(m: unknown): m is KernelBackend {
  const o = m as Record<string, unknown>;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o['createKernelSession'] === 'function' &&
    typeof o['listKernelTracepoints'] === 'function' &&
    typeof o['listKernelSyscalls'] === 'function' &&
    typeof o['cleanupStaleInstances'] === 'function' &&
    typeof o['kernelTracerAvailable'] === 'function'
  );
}

/** The kernel tracer module, or an Error saying why it cannot be loaded. */
export function kernelBackend(): Promise<KernelBackend | Error> {
  loading ??= (async (): Promise<KernelBackend | Error> => {
    const override = process.env['TTNG_SESSIOND_KERNEL_MODULE'];
    if (!override) return realKernel satisfies KernelBackend;
    try {
      const m: unknown = await import(pathToFileURL(override).href);
      if (!isBackend(m)) return new Error(`${override} does not export the kernel tracer API`);
      return m;
    } catch (e) {
      return new Error(`cannot load the kernel tracer ${override}: ${(e as Error).message.split('\n')[0]}`);
    }
  })();
  return loading;
}
