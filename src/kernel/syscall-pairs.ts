// System call entry → exit pairs, on JavaScript's side: LTTng's exit event
// carries output arguments that ftrace records only at the entry. The entry
// saves them in its thread's slot of the pair table (wasm memory, the same
// slots and hash as the hot loop's copies), the exit takes them; an exit
// read before its entry (another CPU's pages came later) is written with
// zeros and patched when the entry comes, if its packet is still in memory.
import type { KernelStream } from './ctf-out.js';
import type { EventWriter, WriteTarget } from './event-writer.js';
import type { HotLoop, PageSlot } from './hot-loop.js';
import { PAIR_SLOTS } from './hot-loop.js';
import type { EventPlan } from './mapping.js';
import { OP_OUT, PLAN_RAW } from './mapping.js';
import { PAIR_BYTES, PAIR_VALUES } from './wasm-walk.js';

const TWO32 = 4294967296;
const NO_PATHS: Uint8Array[] = [];

/** an exit written before its entry was read (another CPU's later pages): patched when the entry comes */
interface PendingExit {
  stream: KernelStream;
  packet: number;
  pos: number;
  sizes: number[];
  ts: number;
  entryId: number;
}

export class SyscallPairs {
  /** exits whose output arguments could not be paired with an entry (written as 0) */
  unpairedExits = 0;
  private readonly pendingExits = new Map<number, PendingExit>();

  constructor(private readonly mem: HotLoop, private readonly writer: EventWriter) {}

  /** the pair slot of thread `tid` (same hash as the wasm loop) */
  private pairSlot(tid: number): number {
    return this.mem.pairBase + ((Math.imul((tid + 1) >>> 0, -1640531535) >>> 20) & (PAIR_SLOTS - 1)) * PAIR_BYTES;
  }

  /** an entry read by JavaScript: its output arguments into the thread's pair slot, as the wasm loop does */
  saveOuts(plan: EventPlan, hi: number, lo: number, dv: DataView, off: number, len: number): void {
    const mem = this.mem.dv;
    const tid = dv.getInt32(off + 4, true);
    const slot = this.pairSlot(tid);
    mem.setUint32(slot, (tid + 1) >>> 0, true);
    mem.setUint16(slot + 4, plan.id, true);
    mem.setUint32(slot + 8, lo, true);
    mem.setUint32(slot + 12, hi, true);
    plan.outOffsets.forEach((o, i) => {
      if (i >= PAIR_VALUES) return;
      const ok = o + 8 <= len;
      mem.setUint32(slot + 16 + 8 * i, ok ? dv.getUint32(off + o, true) : 0, true);
      mem.setUint32(slot + 20 + 8 * i, ok ? dv.getUint32(off + o + 4, true) : 0, true);
    });
  }

  /** the thread's saved entry values for an exit of `plan` at time `ts` (the slot is then free), else undefined */
  private takeOuts(plan: EventPlan, tid: number, ts: number): number[] | undefined {
    const mem = this.mem.dv;
    const slot = this.pairSlot(tid);
    if (mem.getUint32(slot, true) !== ((tid + 1) >>> 0) || mem.getUint16(slot + 4, true) !== plan.pairWith) return undefined;
    if (mem.getUint32(slot + 12, true) * TWO32 + mem.getUint32(slot + 8, true) > ts) return undefined;
    mem.setUint32(slot, 0, true);
    const vals: number[] = [];
    for (let i = 0; i < PAIR_VALUES; i++) vals.push(mem.getUint32(slot + 16 + 8 * i, true), mem.getUint32(slot + 20 + 8 * i, true));
    return vals;
  }

  /** exits written before their entry was read (another CPU's pages came later): patched now if it has come */
  resolvePendingExits(): void {
    if (!this.pendingExits.size) return;
    for (const [tid, pe] of this.pendingExits) {
      const mem = this.mem.dv;
      const slot = this.pairSlot(tid);
      if (mem.getUint32(slot, true) !== ((tid + 1) >>> 0) || mem.getUint16(slot + 4, true) !== pe.entryId) continue;
      if (mem.getUint32(slot + 12, true) * TWO32 + mem.getUint32(slot + 8, true) > pe.ts) continue;
      this.pendingExits.delete(tid);
      mem.setUint32(slot, 0, true);
      if (pe.stream.packets !== pe.packet) continue;
      let p = pe.pos;
      pe.sizes.forEach((n, i) => {
        for (let b = 0; b < n; b++) pe.stream.pktU8[p + b] = this.mem.u8[slot + 16 + 8 * i + b]!;
        p += n;
      });
      this.unpairedExits--;
    }
  }

  /** a syscall exit with output arguments: `ret`, then the values its entry recorded */
  writeExit(r: WriteTarget, plan: EventPlan, hi: number, lo: number, page: PageSlot, off: number, len: number): void {
    const tid = page.dv.getInt32(off + 4, true);
    const ts = hi * TWO32 + lo;
    const vals = this.takeOuts(plan, tid, ts);
    const w = this.writer;
    if (plan.kind === PLAN_RAW) w.writeRaw(r, plan, hi, lo, page, off, len, vals);
    else w.writeSteps(r, plan, hi, lo, page.u8, page.dv, off, len, NO_PATHS, vals);
    if (vals || w.outPos < 0) return;
    this.unpairedExits++;
    if (!r.stream.holding) {
      if (this.pendingExits.size > 10_000) this.pendingExits.clear();
      const sizes = plan.kind === PLAN_RAW ? plan.pairSizes : plan.steps.filter((st) => st.op === OP_OUT).map((st) => st.b);
      this.pendingExits.set(tid, { stream: r.stream, packet: r.stream.packets, pos: w.outPos, sizes, ts, entryId: plan.pairWith });
    }
  }
}
