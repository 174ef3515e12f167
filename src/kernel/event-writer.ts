// What the hot loop hands back, as CTF events of a CPU's stream: records
// copied as they are (RAW plans, less their cut-out slots, plus a syscall
// exit's output arguments), records rebuilt byte-packed by their plan's steps,
// events ttng makes itself (statedump), the contexts of each, and the filters
// the consumer evaluates itself.
import type { KernelContextType } from './api.js';
import type { KernelStream } from './ctf-out.js';
import { acceptRecord } from './filter.js';
import type { PageSlot } from './hot-loop.js';
import type { EventPlan } from './mapping.js';
import {
  HOSTNAME_LEN, MAX_RT_PRIO, OP_COPY, OP_DATALOC_SEQ, OP_DATALOC_STR, OP_DATALOC_TEXT, OP_FLEX_SEQ, OP_FLEX_STR, OP_OUT, OP_PATH, OP_PIDNS,
  OP_PRIO, OP_RELLOC_SEQ, OP_RELLOC_STR, OP_TEXT16, OP_TGID, OP_VTIDS, contextBytes, headerBytes,
} from './mapping.js';
import type { ProcCache, TaskInfo } from './procinfo.js';
import type { TaskTracker, TrackSpec } from './tracker.js';

const TWO32 = 4294967296;
const EMPTY16 = new Uint8Array(16);
/** path strings ttng could not obtain (never empty: babeltrace2 2.0.4 prints a stale value for empty strings) */
export const UNKNOWN_PATH = Buffer.from('(unknown)');

const C_PID = 0, C_TID = 1, C_PPID = 2, C_PROCNAME = 3, C_PRIO = 4, C_NICE = 5, C_VPID = 6, C_VTID = 7, C_VPPID = 8, C_HOSTNAME = 9;
const CTX_CODE: Record<KernelContextType, number> = {
  pid: C_PID, tid: C_TID, ppid: C_PPID, procname: C_PROCNAME, prio: C_PRIO, nice: C_NICE, vpid: C_VPID, vtid: C_VTID, vppid: C_VPPID, hostname: C_HOSTNAME,
};

/** the CPU a record was read from: its stream, and the name of its idle task */
export interface WriteTarget {
  readonly cpu: number;
  readonly swapper: Uint8Array;
  stream: KernelStream;
}

export function strlen(b: Uint8Array, s: number, n: number): number {
  const i = b.subarray(s, s + n).indexOf(0);
  return i < 0 ? n : i;
}

export class EventWriter {
  /** bytes of the event header (timestamp, id, contexts) and of its contexts */
  readonly hdr: number;
  readonly ctxBytes: number;
  /** where writeSteps()/writeRaw() wrote the first output argument (-1: none) */
  outPos = -1;
  private readonly ctxCodes: Int32Array;
  private readonly hostname: Uint8Array;

  /** `tracks`: the thread events the consumer reads ahead (none: threads come from /proc) */
  constructor(contexts: KernelContextType[], hostname: string, private readonly procs: ProcCache, private readonly tracker: TaskTracker, private readonly tracks: ReadonlyMap<number, TrackSpec>) {
    this.hdr = headerBytes(contexts);
    this.ctxBytes = contexts.reduce((n, t) => n + contextBytes(t), 0);
    this.ctxCodes = Int32Array.from(contexts.map((t) => CTX_CODE[t]));
    this.hostname = new Uint8Array(HOSTNAME_LEN);
    this.hostname.set(Buffer.from(hostname, 'utf8').subarray(0, HOSTNAME_LEN - 1));
  }

  /** the thread `tid` at the time of the record being written */
  task(tid: number, tsHi: number, tsLo: number): TaskInfo | undefined {
    return this.tracks.size ? this.tracker.at(tid, tsHi * TWO32 + tsLo) : this.procs.get(tid);
  }

  /**
   * Record copied as it is (ftrace layout described by the metadata), less
   * its cut-out slots; a syscall exit then gets its entry's values (`outs`:
   * u32 halves; zeros when its entry has not been read).
   */
  writeRaw(r: WriteTarget, plan: EventPlan, tsHi: number, tsLo: number, page: PageSlot, off: number, len: number, outs: number[] | undefined): void {
    const hdr = this.hdr;
    const decl = plan.declBytes;
    const stream = r.stream;
    let extra = 0;
    for (const n of plan.pairSizes) extra += n;
    const o = stream.reserve(tsHi, tsLo, hdr + decl + extra + 8);
    const u32 = stream.u32;
    const src32 = page.u32;
    const ow = o >> 2;
    if (this.ctxCodes.length === 0) {
      u32[ow + 2] = src32[off >> 2]!;
      u32[ow + 3] = src32[(off >> 2) + 1]!;
    } else {
      const u8 = stream.u8;
      u8[o + 8] = page.u8[off]!;
      u8[o + 9] = page.u8[off + 1]!;
      const e = this.writeContexts(r, stream.dv, u8, o + 10, page.dv.getInt32(off + 4, true), tsHi, tsLo);
      for (let i = e; i < o + hdr; i++) u8[i] = 0;
    }
    this.outPos = -1;
    if (decl === 0 && extra === 0) {
      stream.commit(o + 10 + this.ctxBytes);
      return;
    }
    let have = len - plan.skip - plan.holeLen;
    if (have > decl) have = decl;
    if (have < 0) have = 0;
    if (plan.holeLen) {
      // two pieces around the cut-out slots
      const u8 = stream.u8;
      const s = off + plan.skip;
      const a = Math.min(have, plan.holeAt);
      u8.set(page.u8.subarray(s, s + a), o + hdr);
      if (have > a) u8.set(page.u8.subarray(s + plan.holeAt + plan.holeLen, s + plan.holeLen + have), o + hdr + a);
    } else {
      const words = (have + 3) >> 2;
      const d = (o + hdr) >> 2;
      const s = (off + plan.skip) >> 2;
      for (let i = 0; i < words; i++) u32[d + i] = src32[s + i]!;
    }
    if (have < decl) stream.u8.fill(0, o + hdr + have, o + hdr + decl);
    const fx = plan.prioFixups;
    if (fx.length) {
      const dv = stream.dv;
      for (let i = 0; i < fx.length; i++) {
        const p = o + hdr + fx[i]! - plan.skip;
        dv.setInt32(p, dv.getInt32(p, true) - MAX_RT_PRIO, true);
      }
    }
    let p = o + hdr + decl;
    if (plan.pairSizes.length) {
      this.outPos = p;
      const u8 = stream.u8;
      plan.pairSizes.forEach((n, i) => {
        const lo = outs ? outs[2 * i]! : 0;
        const hi = outs ? outs[2 * i + 1]! : 0;
        for (let b = 0; b < n; b++) u8[p + b] = b < 4 ? (lo >>> (8 * b)) & 0xff : (hi >>> (8 * (b - 4))) & 0xff;
        p += n;
      });
    }
    stream.commit(p);
  }

  /** contexts at `p`; returns the end */
  writeContexts(r: WriteTarget, dv: DataView, u8: Uint8Array, p: number, tid: number, tsHi: number, tsLo: number): number {
    const codes = this.ctxCodes;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === C_TID) {
        dv.setInt32(p, tid, true);
        p += 4;
        continue;
      }
      if (c === C_HOSTNAME) {
        u8.set(this.hostname, p);
        p += HOSTNAME_LEN;
        continue;
      }
      const t = this.task(tid, tsHi, tsLo);
      switch (c) {
        case C_PID:
          dv.setInt32(p, t ? t.tgid : tid, true);
          break;
        case C_PPID:
          dv.setInt32(p, t ? t.ppid : 0, true);
          break;
        case C_PROCNAME:
          u8.set(tid === 0 ? r.swapper : t ? t.commBytes : EMPTY16, p);
          p += 16;
          continue;
        case C_PRIO:
          dv.setInt32(p, t ? t.prio : 0, true);
          break;
        case C_NICE:
          dv.setInt32(p, t ? t.nice : 0, true);
          break;
        case C_VPID:
          dv.setInt32(p, t ? t.nsTgids[t.nsTgids.length - 1]! : tid, true);
          break;
        case C_VTID:
          dv.setInt32(p, t ? t.nsTids[t.nsTids.length - 1]! : tid, true);
          break;
        case C_VPPID:
          dv.setInt32(p, t ? t.ppid : 0, true);
          break;
      }
      p += 4;
    }
    return p;
  }

  /** record rebuilt by its plan's steps (byte-packed payload) */
  writeSteps(r: WriteTarget, plan: EventPlan, tsHi: number, tsLo: number, src: Uint8Array, sdv: DataView, off: number, len: number, paths: Uint8Array[], outs: number[] | undefined): void {
    const stream = r.stream;
    let max = 16 + this.ctxBytes + 2 * len + plan.extraBytes;
    for (const p of paths) max += p.length;
    this.outPos = -1;
    const o = stream.reserve(tsHi, tsLo, max);
    const u8 = stream.u8;
    const dv = stream.dv;
    u8[o + 8] = src[off]!;
    u8[o + 9] = src[off + 1]!;
    const tid = sdv.getInt32(off + 4, true);
    let p = this.writeContexts(r, dv, u8, o + 10, tid, tsHi, tsLo);
    const end = off + len;
    for (const st of plan.steps) {
      const a = off + st.a;
      switch (st.op) {
        case OP_COPY: {
          const n = Math.max(0, Math.min(st.b, end - a));
          u8.set(src.subarray(a, a + n), p);
          if (n < st.b) u8.fill(0, p + n, p + st.b);
          p += st.b;
          break;
        }
        case OP_PRIO:
          dv.setInt32(p, (a + 4 <= end ? sdv.getInt32(a, true) : 0) - MAX_RT_PRIO, true);
          p += 4;
          break;
        case OP_TEXT16: {
          const n = Math.max(0, Math.min(st.b, 16, end - a));
          u8.set(src.subarray(a, a + n), p);
          u8.fill(0, p + n, p + 16);
          u8[p + 15] = 0;
          p += 16;
          break;
        }
        case OP_DATALOC_STR:
        case OP_RELLOC_STR:
        case OP_DATALOC_TEXT:
        case OP_DATALOC_SEQ:
        case OP_RELLOC_SEQ: {
          let s = 0;
          let n = 0;
          if (a + 4 <= end) {
            const loc = sdv.getUint32(a, true);
            s = off + (loc & 0xffff) + (st.op === OP_RELLOC_STR || st.op === OP_RELLOC_SEQ ? st.a + 4 : 0);
            n = loc >>> 16;
            if (s < off || s > end) n = 0;
            else if (s + n > end) n = end - s;
          }
          if (st.op === OP_DATALOC_SEQ || st.op === OP_RELLOC_SEQ) {
            const count = Math.floor(n / st.b);
            dv.setUint32(p, count, true);
            p += 4;
            u8.set(src.subarray(s, s + count * st.b), p);
            p += count * st.b;
          } else if (st.op === OP_DATALOC_TEXT) {
            const k = strlen(src, s, Math.min(n, st.b - 1));
            u8.set(src.subarray(s, s + k), p);
            u8.fill(0, p + k, p + st.b);
            p += st.b;
          } else {
            const k = strlen(src, s, n);
            u8.set(src.subarray(s, s + k), p);
            p += k;
            u8[p++] = 0;
          }
          break;
        }
        case OP_FLEX_STR: {
          const n = Math.max(0, end - a);
          const k = strlen(src, a, n);
          u8.set(src.subarray(a, a + k), p);
          p += k;
          u8[p++] = 0;
          break;
        }
        case OP_FLEX_SEQ: {
          const count = Math.max(0, Math.floor((end - a) / st.b));
          dv.setUint32(p, count, true);
          p += 4;
          u8.set(src.subarray(a, a + count * st.b), p);
          p += count * st.b;
          break;
        }
        case OP_PATH: {
          const path = paths[st.b] ?? UNKNOWN_PATH;
          u8.set(path, p);
          p += path.length;
          u8[p++] = 0;
          break;
        }
        case OP_OUT: {
          if (this.outPos < 0) this.outPos = p;
          const vlo = outs ? outs[2 * st.a]! : 0;
          const vhi = outs ? outs[2 * st.a + 1]! : 0;
          if (st.b >= 4) dv.setUint32(p, vlo, true);
          else if (st.b === 2) dv.setUint16(p, vlo & 0xffff, true);
          else u8[p] = vlo & 0xff;
          if (st.b === 8) dv.setUint32(p + 4, vhi, true);
          p += st.b;
          break;
        }
        case OP_TGID: {
          const t = a + 4 <= end ? sdv.getInt32(a, true) : 0;
          const info = this.task(t, tsHi, tsLo);
          dv.setInt32(p, info ? info.tgid : t, true);
          p += 4;
          break;
        }
        case OP_PIDNS: {
          const t = a + 4 <= end ? sdv.getInt32(a, true) : 0;
          dv.setUint32(p, this.procs.pidNs(t), true);
          p += 4;
          break;
        }
        case OP_VTIDS: {
          const t = a + 4 <= end ? sdv.getInt32(a, true) : 0;
          const info = this.task(t, tsHi, tsLo);
          const ids = info ? info.nsTids : [t];
          u8[p++] = ids.length;
          for (const v of ids) {
            dv.setInt32(p, v, true);
            p += 4;
          }
          break;
        }
      }
    }
    stream.commit(p);
  }

  /** an event ttng makes itself (statedump): header, contexts (of thread `tid`), byte-packed payload */
  writeSynthetic(r: WriteTarget, id: number, tsHi: number, tsLo: number, payload: Uint8Array, tid: number): void {
    const stream = r.stream;
    const o = stream.reserve(tsHi, tsLo, 16 + this.ctxBytes + payload.length);
    const u8 = stream.u8;
    u8[o + 8] = id & 0xff;
    u8[o + 9] = id >>> 8;
    const p = this.writeContexts(r, stream.dv, u8, o + 10, tid, tsHi, tsLo);
    u8.set(payload, p);
    stream.commit(p + payload.length);
  }

  /** the plan's filters (evaluated here, not by ftrace) accept the record; `paths`: its path strings, if any */
  accept(r: WriteTarget, plan: EventPlan, hi: number, lo: number, src: Uint8Array, dv: DataView, off: number, len: number, paths: Uint8Array[] | undefined): boolean {
    const tid = dv.getInt32(off + 4, true);
    const t = this.task(tid, hi, lo);
    let m: Map<string, string> | undefined;
    if (paths) {
      m = new Map();
      const fields = plan.format!.fields;
      plan.pathPointers.forEach((o, i) => {
        const f = fields.find((x) => x.offset === o);
        if (f && paths[i]) m!.set(f.name, Buffer.from(paths[i]!).toString('utf8'));
      });
    }
    return acceptRecord(plan.userFilter!, plan.format!, src, dv, off, len, {
      tid, cpu: r.cpu, pid: t?.tgid, ppid: t?.ppid, procname: t?.comm, paths: m,
    });
  }
}
