// Which events can change what a report prints. The automaton handles every
// event, but decoding is most of the cost: a source skips the others.
import { SYSCALLS, isSyscallExit, syscallName } from '../state.js';

/** scheduling, thread names and CPUs: every report depends on these */
const SCHED = new Set([
  'sched_switch',
  'sched_migrate_task',
  'sched_wakeup',
  'sched_wakeup_new',
  'sched_waking',
  'sched_process_fork',
  'sched_process_exec',
  'sched_pi_setprio',
  'lttng_statedump_process_state',
  'lttng_statedump_file_descriptor',
  // they add CPUs, which cputop's total divides by
  'irq_handler_entry',
  'irq_handler_exit',
  'softirq_raise',
  'softirq_entry',
  'softirq_exit',
]);

/**
 * The scheduling events, plus I/O system call entries: with a `pid` context
 * their first one per thread (re)creates the thread's process entry.
 */
export const BASE_EVENTS = {
  has(name: string): boolean {
    if (SCHED.has(name)) return true;
    const sc = syscallName(name);
    return sc !== undefined && SYSCALLS.io.has(sc);
  },
};

/** every system call entry and exit, on top of the base */
export const SYSCALL_EVENTS = {
  has(name: string): boolean {
    return SCHED.has(name) || syscallName(name) !== undefined || isSyscallExit(name);
  },
};

const IO_EXTRA = new Set([
  'lttng_statedump_block_device',
  'block_bio_remap',
  'block_bio_backmerge',
  'block_rq_issue',
  'block_rq_complete',
  'net_dev_xmit',
  'netif_receive_skb',
]);

/** system calls, block requests, network devices */
export const IO_EVENTS = {
  has(name: string): boolean {
    return SYSCALL_EVENTS.has(name) || IO_EXTRA.has(name);
  },
};
