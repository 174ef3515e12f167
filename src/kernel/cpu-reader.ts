// One CPU of a channel: its `trace_pipe_raw` (non-blocking, one sub-buffer
// per read(), EAGAIN when empty), its `stats` file (how much the writer has
// finished, what it lost), the stream its events go to, and its counters.
import * as fs from 'node:fs';
import type { KernelStream } from './ctf-out.js';
import { commBytes } from './procinfo.js';
import type { Instance } from './tracefs.js';

const BYTES_LINE = Buffer.from('\nbytes:');
const statsBuf = Buffer.alloc(1024);

export class CpuReader {
  /** trace_pipe_raw (-1: closed); numbers only, so the JIT sees one shape */
  fd = -1;
  /** per_cpu/cpuN/stats, kept open and read with pread (-1: none) */
  statsFd = -1;
  /**
   * when a page the writer was still filling was last read (ms since the
   * epoch; starts as a non-small number so the field's representation never
   * changes: that would throw the hot loop's optimised code away)
   */
  lastPartial = Date.now();
  /** events lost according to pages (overwrite mode); counters start as -0 (see KernelStream) */
  missedFromPages = -0;
  missedUnknown = false;
  statsLost = -0;
  /** overwrite mode: events the writer overwrote before they were read (not losses) */
  overwritten = 0;
  pagesRead = -0;
  bytesRead = -0;
  readonly swapper: Uint8Array;
  constructor(readonly cpu: number, public stream: KernelStream) {
    this.swapper = commBytes(`swapper/${cpu}`);
  }

  /** opens trace_pipe_raw and stats, unless open */
  open(instance: Instance): void {
    if (this.fd >= 0) return;
    this.fd = fs.openSync(instance.rawPipe(this.cpu), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      this.statsFd = fs.openSync(instance.file(`per_cpu/cpu${this.cpu}/stats`), 'r');
    } catch {
      this.statsFd = -1;
    }
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    if (this.statsFd >= 0) fs.closeSync(this.statsFd);
    this.fd = -1;
    this.statsFd = -1;
  }

  /** one read() of a page into buf[0, bytes): the bytes got (0: end), -1 when nothing can be read now (empty, CPU gone…) */
  read(buf: Uint8Array, bytes: number): number {
    try {
      return fs.readSync(this.fd, buf, 0, bytes, null);
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'EAGAIN' || c === 'EWOULDBLOCK' || c === 'ENODEV' || c === 'ENOMEM' || c === 'EBUSY' || c === 'EINTR') return -1;
      throw e;
    }
  }

  /** bytes of unread events in the CPU's buffer (stats "bytes:"), -1 if unknown */
  unread(): number {
    if (this.statsFd < 0) return -1;
    try {
      const n = fs.readSync(this.statsFd, statsBuf, 0, statsBuf.length, 0);
      const b = statsBuf;
      // "bytes: N" (the 4th line)
      const i = b.indexOf(BYTES_LINE);
      if (i >= 0 && i < n) {
        let v = 0;
        let j = i + BYTES_LINE.length;
        while (j < n && b[j] === 32) j++;
        while (j < n && b[j]! >= 48 && b[j]! <= 57) v = v * 10 + (b[j++]! - 48);
        return v;
      }
    } catch {
      /* fall through */
    }
    return -1;
  }

  /** a page said the writer lost events before it (`count`, 0 if unknown) */
  pageMissed(count: number, overwrite: boolean): void {
    if (count > 0) this.missedFromPages += count;
    else this.missedUnknown = true;
    if (overwrite) this.overwritten = Math.max(this.overwritten, this.missedFromPages);
    else if (this.missedFromPages > this.stream.discarded) this.stream.discarded = this.missedFromPages;
  }

  /** reads the CPU's `stats` into the stream's lost-event count */
  pollStats(instance: Instance, overwrite: boolean): void {
    let lost: number;
    try {
      const st = instance.stats(this.cpu);
      // overwrite mode: what the writer overwrote is what the user asked for, not a loss
      // (LTTng does not count it in events_discarded either); only commit overruns are lost
      if (overwrite) {
        this.overwritten = Math.max(this.overwritten, st.overrun, this.missedFromPages);
        lost = st.commitOverrun;
      } else lost = st.droppedEvents + st.commitOverrun;
    } catch {
      return;
    }
    if (lost > this.statsLost) this.statsLost = lost;
    if (this.statsLost > this.stream.discarded) this.stream.discarded = this.statsLost;
  }

  /** every page the buffer holds now, oldest first, up to `maxBytes` (copies; reading consumes them) */
  readAll(pageBytes: number, maxBytes: number): Uint8Array[] {
    const buf = new Uint8Array(pageBytes);
    const pages: Uint8Array[] = [];
    for (let bytes = 0; bytes < maxBytes; ) {
      const got = this.read(buf, pageBytes);
      if (got <= 0) break;
      bytes += got;
      pages.push(buf.slice(0, got));
    }
    return pages;
  }
}
