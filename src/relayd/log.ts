// The relay's log: one line per event on stderr (or the daemon's log file),
// errors always, `-v` adds connections and sessions, `-vv` every command. Counters
// of what went wrong, so that a write error or a malformed peer is never silent.

export type Level = 'error' | 'warn' | 'info' | 'debug';
const RANK: Record<Level, number> = { error: 0, warn: 0, info: 1, debug: 2 };

export interface Counters {
  /** writes (data, index, metadata, chunk moves) that failed */
  writeErrors: number;
  /** connections closed on a malformed or out-of-protocol message */
  protocolErrors: number;
  /** names or paths refused */
  refusedNames: number;
  /** packets dropped: no index ever came, or no chunk to write them in */
  droppedPackets: number;
}

export class Log {
  readonly counters: Counters = { writeErrors: 0, protocolErrors: 0, refusedNames: 0, droppedPackets: 0 };

  constructor(
    /** 0: errors, 1: -v, 2: -vv */
    readonly verbosity: number,
    private readonly sink: (line: string) => void = (l) => process.stderr.write(l),
  ) {}

  enabled(level: Level): boolean {
    return RANK[level] <= this.verbosity;
  }

  line(level: Level, msg: string): void {
    if (!this.enabled(level)) return;
    this.sink(`${new Date().toISOString()} ttng-relayd ${level.toUpperCase()}: ${msg}\n`);
  }

  error(msg: string): void {
    this.line('error', msg);
  }

  warn(msg: string): void {
    this.line('warn', msg);
  }

  info(msg: string): void {
    this.line('info', msg);
  }

  debug(msg: string): void {
    this.line('debug', msg);
  }

  /** a write that failed: counted, logged */
  writeError(what: string, e: unknown): void {
    this.counters.writeErrors++;
    this.error(`write error (${this.counters.writeErrors} so far): ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
