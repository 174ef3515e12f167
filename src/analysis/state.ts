// What the automaton knows about the traced system: threads, CPUs, file
// descriptors, disks, and the system call / I/O request in progress per thread.

export enum FdType {
  Unknown = 0,
  Disk = 1,
  Net = 2,
  /** assumed network: a write during which net_dev_xmit fired */
  MaybeNet = 3,
}

export class Fd {
  constructor(
    public fd: number,
    public filename = 'unknown',
    public fdType: FdType = FdType.Unknown,
    public cloexec = false,
    public family: number | undefined = undefined,
  ) {}

  copy(): Fd {
    return new Fd(this.fd, this.filename, this.fdType, this.cloexec, this.family);
  }
}

export class Process {
  comm: string;
  /** by fd number, in creation order */
  readonly fds = new Map<number, Fd>();
  currentSyscall: SyscallEvent | undefined;
  /** reused for each system call of the thread */
  syscallSlot: SyscallEvent | undefined;
  /** the thread scheduled on this CPU before this one */
  prevTid: number | undefined;
  lastWakeup: number | undefined;
  lastWaker: number | undefined;

  constructor(
    public tid: number | undefined = undefined,
    public pid: number | undefined = undefined,
    comm = '',
    public prio: number | undefined = undefined,
  ) {
    this.comm = comm;
  }
}

export class SoftIrq {
  endTs: number | undefined;
  constructor(
    readonly id: number,
    readonly cpu: number,
    readonly raiseTs: number | undefined,
    public beginTs: number | undefined,
  ) {}
}

export class HardIrq {
  endTs: number | undefined;
  ret: number | undefined;
  constructor(
    readonly id: number,
    readonly cpu: number,
    readonly beginTs: number,
  ) {}
}

export class Cpu {
  /** undefined: idle (the swapper) or not known yet */
  currentTid: number | undefined;
  currentHardIrq: HardIrq | undefined;
  /** raised or running soft IRQs by vector, oldest first */
  readonly currentSoftirqs = new Map<number, SoftIrq[]>();
  constructor(readonly id: number) {}
}

export class Disk {
  /** block requests issued and not completed, by sector */
  readonly pending = new Map<number, IoRequest>();
  constructor(
    readonly dev: number,
    public diskname: string | undefined = undefined,
  ) {}
}

export enum IoOp {
  Open = 1,
  Read = 2,
  Write = 3,
  Close = 4,
  Sync = 5,
  /** splice, sendfile64: both */
  ReadWrite = 6,
}

export enum IoKind {
  Open,
  Close,
  ReadWrite,
  Sync,
  Block,
}

/** an I/O request: one system call (open/close/read/write/sync) or one block request */
export class IoRequest {
  endTs: number | undefined;
  duration: number | undefined;
  errno: number | undefined;
  fd: number | undefined;
  /* open */
  filename = '';
  fdType: FdType = FdType.Unknown;
  family: number | undefined;
  cloexec = false;
  /* read/write */
  returnedSize: number | undefined;
  /* block */
  dev = 0;
  sector = 0;
  nrSector = 0;

  constructor(
    readonly kind: IoKind,
    readonly beginTs: number,
    public size: number | undefined,
    readonly tid: number,
    readonly operation: IoOp,
    readonly syscallName: string,
  ) {}

  get isSyscall(): boolean {
    return this.kind !== IoKind.Block;
  }
}

/** does `op` include `other` (read-write counts as both)? */
export function equivalentOp(op: IoOp, other: IoOp): boolean {
  if (op === IoOp.ReadWrite) return other === IoOp.Read || other === IoOp.Write || other === IoOp.ReadWrite;
  if (op === IoOp.Read) return other === IoOp.Read || other === IoOp.ReadWrite;
  if (op === IoOp.Write) return other === IoOp.Write || other === IoOp.ReadWrite;
  return op === other;
}

export class SyscallEvent {
  endTs: number | undefined;
  ret: number | undefined;
  duration = 0;
  ioRq: IoRequest | undefined;
  constructor(
    public name: string,
    public beginTs: number,
  ) {}

  /** the same object for the thread's next call (nothing keeps a finished one) */
  reset(name: string, beginTs: number): this {
    this.name = name;
    this.beginTs = beginTs;
    this.endTs = undefined;
    this.ret = undefined;
    this.duration = 0;
    this.ioRq = undefined;
    return this;
  }
}

/* syscall families, as lttng-analyses groups them */
const DISK_OPEN = ['open', 'openat'];
const NET_OPEN = ['socket'];
const DUP_OPEN = ['fcntl', 'dup', 'dup2', 'dup3'];
const SYNC = ['sync', 'sync_file_range', 'fsync', 'fdatasync'];
const CLOSE = ['close'];
const READ = ['read', 'recvmsg', 'recvfrom', 'readv', 'pread', 'pread64', 'preadv'];
const WRITE = ['write', 'sendmsg', 'sendto', 'writev', 'pwrite', 'pwrite64', 'pwritev'];
const READ_WRITE = ['splice', 'sendfile64'];

export const SYSCALLS = {
  diskOpen: new Set(DISK_OPEN),
  open: new Set([...DISK_OPEN, ...NET_OPEN, ...DUP_OPEN]),
  dup: new Set(DUP_OPEN),
  sync: new Set(SYNC),
  close: new Set(CLOSE),
  read: new Set(READ),
  write: new Set(WRITE),
  io: new Set([...DISK_OPEN, ...NET_OPEN, ...DUP_OPEN, ...CLOSE, ...READ, ...WRITE, ...SYNC, ...READ_WRITE]),
};

/** system call name of an entry event (`sys_x`, `syscall_entry_x`), undefined otherwise */
export function syscallName(eventName: string): string | undefined {
  if (eventName.startsWith('sys_')) return eventName.slice(4);
  if (eventName.startsWith('syscall_entry_')) return eventName.slice(14);
  return undefined;
}

export function isSyscallExit(eventName: string): boolean {
  return eventName.startsWith('exit_syscall') || eventName.startsWith('syscall_exit_');
}

/** `os.O_CLOEXEC` on Linux */
export const O_CLOEXEC = 0o2000000;
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
