// LTTng's layout of a system call's entry and exit events (lttng-modules 2.13,
// syscall-table.ts), matched to ftrace's `syscalls:sys_enter_X` arguments.
// Pure. Entry: the input arguments (and in/out ones) in LTTng's order; exit:
// `ret`, then the output arguments (and in/out ones), whose values ftrace only
// has in the entry record (the consumer pairs entry and exit per thread).
import type { EventFormat, FtraceField } from './format.js';
import { LTTNG_SYSCALL_FIELDS } from './syscall-table.js';

export interface SyscallArg {
  /** LTTng's field name (without the leading `_`) */
  name: string;
  /** the ftrace argument it records */
  field: FtraceField;
  /** a user-space string (the path, not the pointer) */
  str: boolean;
  /** printed in hexadecimal (ctf_integer_hex) */
  hex: boolean;
}

export interface SyscallLayout {
  entry: SyscallArg[];
  exit: SyscallArg[];
  /** whether lttng-modules 2.13 instruments this call (else: ftrace's arguments, names and order) */
  known: boolean;
}

/** argument names that hold a path in system calls lttng-modules 2.13 does not know (statx, renameat2, openat2…) */
const PATH_NAMES = /^(filename|pathname|path|oldname|newname|oldpath|newpath|dir_name|dev_name|specialfile|library|linkpath|target)$/;

/** ftrace's arguments of sys_enter_X (without __syscall_nr) */
export function syscallArgs(ev: EventFormat): FtraceField[] {
  return ev.fields.filter((f) => f.name !== '__syscall_nr');
}

function isPathArg(f: FtraceField): boolean {
  return /\bconst\s+char\s*\*/.test(f.type) && PATH_NAMES.test(f.name);
}

/** LTTng's layout of system call `name` (as in sys_enter_NAME) over the entry's ftrace format */
export function syscallLayout(name: string, entry: EventFormat): SyscallLayout {
  const args = syscallArgs(entry);
  const spec = LTTNG_SYSCALL_FIELDS[name];
  if (spec === undefined) {
    // not in LTTng's table (newer than it): every argument in the entry, paths as strings
    return { entry: args.map((f) => ({ name: f.name, field: f, str: isPathArg(f), hex: false })), exit: [], known: false };
  }
  const out: SyscallLayout = { entry: [], exit: [], known: true };
  const claimed = new Set<FtraceField>();
  const items = spec.split(' ').filter(Boolean);
  items.forEach((item, i) => {
    let s = item;
    let dir: 'in' | 'out' | 'inout' = 'in';
    if (s[0] === '>') (dir = 'out'), (s = s.slice(1));
    else if (s[0] === '=') (dir = 'inout'), (s = s.slice(1));
    const str = s[0] === '$';
    const hex = s[0] === '#';
    if (str || hex) s = s.slice(1);
    const [fieldName, from] = s.split(':') as [string, string | undefined];
    // by name; a few arguments were renamed in the kernel since LTTng's table: by position
    let f = args.find((a) => a.name === (from ?? fieldName));
    if (!f && args[i] && !claimed.has(args[i]!) && !items.some((x) => x.endsWith(args[i]!.name))) f = args[i];
    if (!f) return;
    claimed.add(f);
    const a: SyscallArg = { name: fieldName, field: f, str, hex };
    if (dir !== 'out') out.entry.push(a);
    if (dir !== 'in') out.exit.push(a);
  });
  return out;
}
