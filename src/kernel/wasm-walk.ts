// The consumer's hot loop in WebAssembly: walks the records of one ftrace page
// (same rules as page.ts) and writes the events that are copied as they are
// (RAW plans, see mapping.ts) into an output area; it stops at every record
// that needs JavaScript (rebuilt events, filters, uprobe records, contexts).
// WebAssembly because the loop runs ~100 M times a minute on a busy machine:
// compiled once, it costs a few ns per event and never falls back to slower
// code the way JIT-compiled JavaScript does when it meets a new case.
//
// The module is assembled here from a few opcodes (no toolchain needed).
//
// Memory (imported, never grown, so views on it stay valid):
//   STATE   [0, 256)           i32/i64 slots below
//   PLANS   [256, 256 + 2 MiB) 32 bytes per common_type:
//            u8 kind (0 none, 1 copy, 2 JavaScript), u8 skip, u16 words,
//            u16 declBytes, u16 minLen, u8 nfix, u8 track, u16 fix[3] (record
//            offsets of s32 priorities to lower by 100);
//            a syscall entry: u8 nsave @16, u8 record offsets of the 8-byte
//            values to save @17..19, u8 holeAt @20, u8 holeLen @21 (payload
//            bytes [holeAt, holeAt + holeLen) of the copy are cut out);
//            a syscall exit: u8 npair @22, u16 entry id @24, u8 value sizes @26..28
//            (the saved values follow the copied payload, byte-packed);
//            u8 special @23: nonzero when any of these applies (one test for the others)
//   PAGE    the sub-buffer read from trace_pipe_raw
//   OUT     records written (8-byte aligned, position independent)

export const S_POS = 0;
export const S_END = 4;
export const S_O = 8;
export const S_DECL = 12;
export const S_N = 16;
export const S_REC_OFF = 20;
export const S_REC_LEN = 24;
export const S_FAST = 28;
export const S_MAXTL = 32;
export const S_PADDING = 36;
export const S_EXTEND = 40;
export const S_STAMP = 44;
export const S_BEGIN = 48;
export const S_TS = 64;
export const S_LAST = 72;
export const S_LIMIT = 80;
export const S_PAGETS = 88;
export const S_BEGINTS = 96;
/** contexts: their bytes (0: none), the record header size with them (8-aligned) */
export const S_CTXBYTES = 104;
export const S_HDR = 108;
/** the context cache: tid+1 keys (u32, 0 = free) at CTXTAB, mask = entries - 1, values every STRIDE bytes at CTXVALS */
export const S_CTXTAB = 112;
export const S_CTXMASK = 116;
export const S_CTXSTRIDE = 120;
export const S_CTXVALS = 124;
/** the cache key of tid 0 on this CPU (the idle task's name depends on the CPU) */
export const S_CPUKEY = 128;
/** scan mode: only list the records whose plan entry has the track flag (byte 9), 16 bytes each: off, len, ts */
export const S_SCAN = 132;
export const S_LIST = 136;
export const S_LISTN = 140;
export const S_LISTMAX = 144;
/** syscall entry → exit pairs: table base (PAIR_BYTES per slot, keyed by tid+1, direct-mapped), mask = slots - 1 */
export const S_PAIRTAB = 148;
export const S_PAIRMASK = 152;
/** a pair slot: u32 key (tid+1, 0 = free), u16 entry id, u64 entry time at 8, u64 values at 16, 24, 32 */
export const PAIR_BYTES = 48;
/** values a syscall entry saves for its exit (LTTng's output arguments) */
export const PAIR_VALUES = 3;

export const PLANS = 256;
export const PLAN_BYTES = 32;
export const KIND_NONE = 0;
export const KIND_COPY = 1;
export const KIND_JS = 2;

/** walk() results */
export const W_END = 0;
export const W_RECORD = 1;
/** a record whose thread's contexts are not in the cache yet (JavaScript writes it and fills the cache) */
export const W_CTX_MISS = 2;
/** scan mode: the list is full (call again to go on) */
export const W_LIST_FULL = 3;
export const W_TRUNCATED = -1;
export const W_PAST_END = -2;
export const W_BAD_LENGTH = -3;
export const W_BAD_TYPE = -4;
export const W_FUTURE = -5;

/* ------------------------------ a tiny assembler ------------------------------ */

const I32 = 0x7f;
const I64 = 0x7e;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    const done = (n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

class Code {
  readonly b: number[] = [];
  private nlocals: number[] = [];
  local(type: number): number {
    this.nlocals.push(type);
    return this.nlocals.length - 1;
  }
  localsDecl(): number[] {
    const out = [...uleb(this.nlocals.length)];
    for (const t of this.nlocals) out.push(1, t);
    return out;
  }
  get(l: number): this {
    this.b.push(0x20, ...uleb(l));
    return this;
  }
  set(l: number): this {
    this.b.push(0x21, ...uleb(l));
    return this;
  }
  tee(l: number): this {
    this.b.push(0x22, ...uleb(l));
    return this;
  }
  i32(v: number): this {
    this.b.push(0x41, ...sleb(BigInt(v | 0)));
    return this;
  }
  i64(v: bigint): this {
    this.b.push(0x42, ...sleb(BigInt.asIntN(64, v)));
    return this;
  }
  op(...bytes: number[]): this {
    this.b.push(...bytes);
    return this;
  }
  /** memory access: opcode, alignment log2, offset */
  mem(opcode: number, align: number, offset = 0): this {
    this.b.push(opcode, align, ...uleb(offset));
    return this;
  }
  block(): this {
    this.b.push(0x02, 0x40);
    return this;
  }
  loop(): this {
    this.b.push(0x03, 0x40);
    return this;
  }
  if(): this {
    this.b.push(0x04, 0x40);
    return this;
  }
  else(): this {
    this.b.push(0x05);
    return this;
  }
  end(): this {
    this.b.push(0x0b);
    return this;
  }
  br(depth: number): this {
    this.b.push(0x0c, ...uleb(depth));
    return this;
  }
  brIf(depth: number): this {
    this.b.push(0x0d, ...uleb(depth));
    return this;
  }
  ret(): this {
    this.b.push(0x0f);
    return this;
  }
}

// opcodes
const I32_LOAD = 0x28, I64_LOAD = 0x29, I32_LOAD8_U = 0x2d, I32_LOAD16_U = 0x2f, I32_STORE = 0x36, I64_STORE = 0x37, I32_STORE16 = 0x3b;
const I64_STORE8 = 0x3c, I64_STORE16 = 0x3d, I64_STORE32 = 0x3e;
const I32_EQZ = 0x45, I32_EQ = 0x46, I32_NE = 0x47, I32_LT_U = 0x49, I32_GT_U = 0x4b, I32_LE_U = 0x4d, I32_GE_U = 0x4f;
const I64_LT_U = 0x54, I64_GT_U = 0x56;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_AND = 0x71, I32_OR = 0x72, I32_SHL = 0x74, I32_SHR_U = 0x76;
const I64_ADD = 0x7c, I64_AND = 0x83, I64_OR = 0x84, I64_SHL = 0x86;
const I64_EXTEND_I32_U = 0xad;
const SELECT = 0x1b;

/** the walk function's body */
function walkBody(): Code {
  const c = new Code();
  const pos = c.local(I32), end = c.local(I32), o = c.local(I32), decl = c.local(I32), n = c.local(I32);
  const ts = c.local(I64), last = c.local(I64), limit = c.local(I64), pageTs = c.local(I64);
  const w = c.local(I32), tl = c.local(I32), off = c.local(I32), len = c.local(I32), a0 = c.local(I32);
  const ent = c.local(I32), k = c.local(I32), words = c.local(I32), skip = c.local(I32), tsOut = c.local(I64);
  const total = c.local(I32), fast = c.local(I32), begin = c.local(I32), maxTl = c.local(I32), padding = c.local(I32);
  const extend = c.local(I32), stamp = c.local(I32), db = c.local(I32), p = c.local(I32), nfix = c.local(I32);
  const s = c.local(I32), d = c.local(I32), delta = c.local(I32), status = c.local(I32);
  const ctxBytes = c.local(I32), hdr = c.local(I32), tab = c.local(I32), mask = c.local(I32), stride = c.local(I32), vals = c.local(I32);
  const h = c.local(I32), key = c.local(I32), tid1 = c.local(I32), val = c.local(I32);
  const scan = c.local(I32), listN = c.local(I32), listMax = c.local(I32), list = c.local(I32);
  const pairTab = c.local(I32), pairMask = c.local(I32), slot = c.local(I32), np = c.local(I32), j = c.local(I32), sz = c.local(I32);
  const special = c.local(I32);

  const ld32 = (slot: number, into: number): void => void c.i32(0).mem(I32_LOAD, 2, slot).set(into);
  const ld64 = (slot: number, into: number): void => void c.i32(0).mem(I64_LOAD, 3, slot).set(into);
  ld32(S_POS, pos); ld32(S_END, end); ld32(S_O, o); ld32(S_DECL, decl); ld32(S_N, n);
  ld32(S_FAST, fast); ld32(S_BEGIN, begin); ld32(S_MAXTL, maxTl); ld32(S_PADDING, padding);
  ld32(S_EXTEND, extend); ld32(S_STAMP, stamp);
  ld32(S_SCAN, scan); ld32(S_LISTN, listN); ld32(S_LISTMAX, listMax); ld32(S_LIST, list);
  ld32(S_PAIRTAB, pairTab); ld32(S_PAIRMASK, pairMask);
  ld32(S_CTXBYTES, ctxBytes); ld32(S_HDR, hdr); ld32(S_CTXTAB, tab); ld32(S_CTXMASK, mask); ld32(S_CTXSTRIDE, stride); ld32(S_CTXVALS, vals);
  ld64(S_TS, ts); ld64(S_LAST, last); ld64(S_LIMIT, limit); ld64(S_PAGETS, pageTs);

  const addDelta = (): void => void c.get(ts).get(delta).op(I64_EXTEND_I32_U, I64_ADD).set(ts);

  // block $done { loop $next { block $body { ... } br $next } }
  c.block(); // $done
  c.loop(); // $next
  c.block(); // $body: `br 0` = next record
  // if pos >= end: status END, done
  c.get(pos).get(end).op(I32_GE_U).if().i32(W_END).set(status).br(3).end();
  c.get(pos).i32(4).op(I32_ADD).get(end).op(I32_GT_U).if().i32(W_TRUNCATED).set(status).br(3).end();
  c.get(pos).mem(I32_LOAD, 2).tee(w).i32(31).op(I32_AND).set(tl);
  c.get(w).i32(5).op(I32_SHR_U).set(delta);
  // data record with type_len 1..max?
  c.get(tl).op(I32_EQZ, I32_EQZ).get(tl).get(maxTl).op(I32_LE_U, I32_AND).if();
  {
    c.get(pos).i32(4).op(I32_ADD).tee(off).get(tl).i32(2).op(I32_SHL).tee(len).op(I32_ADD).tee(pos);
    c.get(end).op(I32_GT_U).if().i32(W_PAST_END).set(status).br(4).end();
    addDelta();
  }
  c.else();
  {
    // special records need the array word
    c.get(pos).i32(8).op(I32_ADD).get(end).op(I32_GT_U).if();
    {
      c.get(tl).get(padding).op(I32_EQ).get(delta).op(I32_EQZ, I32_AND).if().i32(W_END).set(status).br(5).end();
      c.i32(W_TRUNCATED).set(status).br(4);
    }
    c.end();
    c.get(pos).mem(I32_LOAD, 2, 4).set(a0);
    c.get(tl).op(I32_EQZ).if();
    {
      // type_len 0: length in array[0]
      c.get(a0).i32(4).op(I32_LT_U).get(a0).get(end).get(pos).op(I32_SUB, I32_GT_U, I32_OR).if().i32(W_BAD_LENGTH).set(status).br(5).end();
      c.get(a0).i32(3).op(I32_ADD).i32(-4).op(I32_AND).i32(4).op(I32_ADD).set(total);
      c.get(pos).get(total).op(I32_ADD).get(end).op(I32_GT_U).if().i32(W_PAST_END).set(status).br(5).end();
      c.get(pos).i32(8).op(I32_ADD).set(off);
      c.get(a0).i32(4).op(I32_SUB).set(len);
      c.get(pos).get(total).op(I32_ADD).set(pos);
      addDelta();
    }
    c.else();
    {
      c.get(tl).get(padding).op(I32_EQ).if();
      {
        c.get(delta).op(I32_EQZ).if().i32(W_END).set(status).br(6).end();
        c.get(a0).get(end).get(pos).op(I32_SUB, I32_GT_U).if().i32(W_BAD_LENGTH).set(status).br(6).end();
        c.get(a0).i32(3).op(I32_ADD).i32(-4).op(I32_AND).i32(4).op(I32_ADD).set(total);
        c.get(total).i32(8).op(I32_LT_U).get(pos).get(total).op(I32_ADD).get(end).op(I32_GT_U, I32_OR).if().i32(W_BAD_LENGTH).set(status).br(6).end();
        c.get(pos).get(total).op(I32_ADD).set(pos);
        addDelta();
        c.br(3); // next record
      }
      c.end();
      c.get(tl).get(extend).op(I32_EQ).if();
      {
        c.get(ts).get(a0).op(I64_EXTEND_I32_U).i64(27n).op(I64_SHL, I64_ADD).get(delta).op(I64_EXTEND_I32_U, I64_ADD).set(ts);
        c.get(ts).get(limit).op(I64_GT_U).if().i32(W_FUTURE).set(status).br(6).end();
        c.get(pos).i32(8).op(I32_ADD).set(pos);
        c.br(3);
      }
      c.end();
      c.get(tl).get(stamp).op(I32_EQ).if();
      {
        c.get(a0).op(I64_EXTEND_I32_U).i64(27n).op(I64_SHL).get(delta).op(I64_EXTEND_I32_U, I64_OR);
        c.get(pageTs).i64(0xf800000000000000n).op(I64_AND, I64_OR).set(ts);
        c.get(ts).get(limit).op(I64_GT_U).if().i32(W_FUTURE).set(status).br(6).end();
        c.get(pos).i32(8).op(I32_ADD).set(pos);
        c.br(3);
      }
      c.end();
      c.i32(W_BAD_TYPE).set(status).br(4);
    }
    c.end();
  }
  c.end();
  // a data record at off/len
  c.get(len).i32(8).op(I32_LT_U).brIf(0);
  c.get(off).mem(I32_LOAD16_U, 1).i32(PLAN_BYTES).op(I32_MUL).i32(PLANS).op(I32_ADD).set(ent);
  // scan mode: list the records the thread tracker wants, write nothing
  c.get(scan).if();
  {
    c.get(ent).mem(I32_LOAD8_U, 0, 9).if();
    {
      c.get(list).get(listN).i32(4).op(I32_SHL, I32_ADD).tee(p).get(off).mem(I32_STORE, 2);
      c.get(p).get(len).mem(I32_STORE, 2, 4);
      c.get(p).get(ts).mem(I64_STORE, 3, 8);
      c.get(listN).i32(1).op(I32_ADD).tee(listN).get(listMax).op(I32_GE_U).if().i32(W_LIST_FULL).set(status).br(5).end(); // if, if, if(scan), $body, $next → $done
    }
    c.end();
    c.br(1); // next record
  }
  c.end();
  c.get(ent).mem(I32_LOAD8_U, 0).tee(k);
  c.op(I32_EQZ).brIf(0); // no plan: skipped
  // JavaScript's: kind 2, or no fast path now, or a short record
  c.get(k).i32(KIND_COPY).op(I32_NE).get(fast).op(I32_EQZ, I32_OR).get(len).get(ent).mem(I32_LOAD16_U, 1, 6).op(I32_LT_U, I32_OR).if();
  {
    c.i32(0).get(off).mem(I32_STORE, 2, S_REC_OFF);
    c.i32(0).get(len).mem(I32_STORE, 2, S_REC_LEN);
    c.i32(W_RECORD).set(status).br(3);
  }
  c.end();
  // a syscall exit that appends its entry's values: the thread's pair slot, else JavaScript's
  c.i32(0).set(np);
  c.get(ent).mem(I32_LOAD8_U, 0, 23).tee(special).if();
  c.get(ent).mem(I32_LOAD8_U, 0, 22).tee(np).if();
  {
    c.get(off).mem(I32_LOAD, 2, 4).i32(1).op(I32_ADD).tee(tid1).i32(-1640531535).op(I32_MUL).i32(20).op(I32_SHR_U).get(pairMask).op(I32_AND);
    c.i32(PAIR_BYTES).op(I32_MUL).get(pairTab).op(I32_ADD).set(slot);
    c.get(slot).mem(I32_LOAD, 2).get(tid1).op(I32_NE).get(slot).mem(I32_LOAD16_U, 1, 4).get(ent).mem(I32_LOAD16_U, 1, 24).op(I32_NE, I32_OR).if();
    {
      c.i32(0).get(off).mem(I32_STORE, 2, S_REC_OFF);
      c.i32(0).get(len).mem(I32_STORE, 2, S_REC_LEN);
      c.i32(W_RECORD).set(status).br(5); // if, if(np), if(special), $body, $next → $done
    }
    c.end();
  }
  c.end();
  c.end();
  // contexts: from the cache, by thread (a miss: JavaScript's)
  c.get(ctxBytes).if();
  {
    c.get(off).mem(I32_LOAD, 2, 4).tee(tid1).op(I32_EQZ).if().i32(0).mem(I32_LOAD, 2, S_CPUKEY).set(tid1).else().get(tid1).i32(1).op(I32_ADD).set(tid1).end();
    c.get(tid1).i32(-1640531535).op(I32_MUL).i32(20).op(I32_SHR_U).get(mask).op(I32_AND).set(h);
    c.block().loop();
    {
      c.get(tab).get(h).i32(2).op(I32_SHL, I32_ADD).mem(I32_LOAD, 2).tee(key).get(tid1).op(I32_EQ).brIf(1);
      c.get(key).op(I32_EQZ).if();
      {
        c.i32(0).get(off).mem(I32_STORE, 2, S_REC_OFF);
        c.i32(0).get(len).mem(I32_STORE, 2, S_REC_LEN);
        c.i32(W_CTX_MISS).set(status).br(6); // if, loop, block, if(ctx), $body, $next → $done
      }
      c.end();
      c.get(h).i32(1).op(I32_ADD).get(mask).op(I32_AND).set(h);
      c.br(0);
    }
    c.end().end();
    c.get(vals).get(h).get(stride).op(I32_MUL, I32_ADD).set(val);
  }
  c.end();
  // time never goes back in a stream
  c.get(last).get(ts).get(ts).get(last).op(I64_LT_U, SELECT).tee(tsOut).set(last);
  c.get(begin).op(I32_EQZ).if().i32(0).get(tsOut).mem(I64_STORE, 3, S_BEGINTS).i32(1).set(begin).end();
  c.get(o).get(tsOut).mem(I64_STORE, 3);
  c.get(ctxBytes).op(I32_EQZ).if();
  {
    // id and ftrace's common fields (the reader skips them)
    c.get(o).get(off).mem(I64_LOAD, 2).mem(I64_STORE, 3, 8);
  }
  c.else();
  {
    c.get(o).get(off).mem(I32_LOAD16_U, 1).mem(I32_STORE16, 1, 8);
    c.i32(0).set(k);
    c.block().loop();
    {
      c.get(k).get(ctxBytes).op(I32_GE_U).brIf(1);
      c.get(o).get(k).op(I32_ADD).get(val).get(k).op(I32_ADD).mem(I64_LOAD, 3).mem(I64_STORE, 1, 10);
      c.get(k).i32(8).op(I32_ADD).set(k);
      c.br(0);
    }
    c.end().end();
  }
  c.end();
  c.get(ent).mem(I32_LOAD16_U, 1, 2).set(words);
  c.get(ent).mem(I32_LOAD8_U, 0, 1).set(skip);
  c.get(off).get(skip).op(I32_ADD).set(s);
  c.get(o).get(hdr).op(I32_ADD).set(d);
  c.i32(0).set(k);
  c.block().loop();
  {
    c.get(k).get(words).op(I32_GE_U).brIf(1);
    c.get(d).get(s).mem(I64_LOAD, 2).mem(I64_STORE, 3);
    c.get(d).i32(8).op(I32_ADD).set(d);
    c.get(s).i32(8).op(I32_ADD).set(s);
    c.get(k).i32(2).op(I32_ADD).set(k);
    c.br(0);
  }
  c.end().end();
  c.get(ent).mem(I32_LOAD16_U, 1, 4).set(db);
  c.get(special).if();
  // a cut-out argument (an output argument LTTng keeps for the exit): the rest moves down
  c.get(ent).mem(I32_LOAD8_U, 0, 21).tee(sz).if();
  {
    c.get(o).get(hdr).op(I32_ADD).set(d);
    c.get(ent).mem(I32_LOAD8_U, 0, 20).set(j);
    c.block().loop();
    {
      c.get(j).get(db).op(I32_GE_U).brIf(1);
      c.get(d).get(j).op(I32_ADD).get(d).get(j).op(I32_ADD).get(sz).op(I32_ADD).mem(I64_LOAD, 3).mem(I64_STORE, 3);
      c.get(j).i32(8).op(I32_ADD).set(j);
      c.br(0);
    }
    c.end().end();
  }
  c.end();
  // an exit: its entry's values after the copied payload (the slot was found above), then the slot is free
  c.get(np).if();
  {
    c.get(o).get(hdr).op(I32_ADD).get(db).op(I32_ADD).set(d);
    for (let i = 0; i < 3; i++) {
      c.get(np).i32(i).op(I32_GT_U).if();
      {
        c.get(ent).mem(I32_LOAD8_U, 0, 26 + i).set(sz);
        c.get(sz).i32(8).op(I32_EQ).if().get(d).get(slot).mem(I64_LOAD, 3, 16 + 8 * i).mem(I64_STORE, 0).end();
        c.get(sz).i32(4).op(I32_EQ).if().get(d).get(slot).mem(I64_LOAD, 3, 16 + 8 * i).mem(I64_STORE32, 0).end();
        c.get(sz).i32(2).op(I32_EQ).if().get(d).get(slot).mem(I64_LOAD, 3, 16 + 8 * i).mem(I64_STORE16, 0).end();
        c.get(sz).i32(1).op(I32_EQ).if().get(d).get(slot).mem(I64_LOAD, 3, 16 + 8 * i).mem(I64_STORE8, 0).end();
        c.get(d).get(sz).op(I32_ADD).set(d);
      }
      c.end();
    }
    c.get(slot).i32(0).mem(I32_STORE, 2);
    c.get(d).get(o).get(hdr).op(I32_ADD).op(I32_SUB).set(db);
  }
  c.end();
  c.end(); // special
  // the padding word after an odd number of words: zero
  c.get(db).i32(3).op(I32_ADD).i32(2).op(I32_SHR_U).tee(k).i32(1).op(I32_AND).if().get(o).get(hdr).op(I32_ADD).get(k).i32(2).op(I32_SHL, I32_ADD).i32(0).mem(I32_STORE, 2).end();
  // an entry whose exit records some of its values: save them in the thread's pair slot
  c.get(special).if();
  c.get(ent).mem(I32_LOAD8_U, 0, 16).tee(sz).if();
  {
    c.get(off).mem(I32_LOAD, 2, 4).i32(1).op(I32_ADD).tee(tid1).i32(-1640531535).op(I32_MUL).i32(20).op(I32_SHR_U).get(pairMask).op(I32_AND);
    c.i32(PAIR_BYTES).op(I32_MUL).get(pairTab).op(I32_ADD).tee(slot).get(tid1).mem(I32_STORE, 2);
    c.get(slot).get(off).mem(I32_LOAD16_U, 1).mem(I32_STORE16, 1, 4);
    c.get(slot).get(ts).mem(I64_STORE, 3, 8);
    for (let i = 0; i < 3; i++) {
      c.get(sz).i32(i).op(I32_GT_U).if();
      c.get(slot).get(off).get(ent).mem(I32_LOAD8_U, 0, 17 + i).op(I32_ADD).mem(I64_LOAD, 2).mem(I64_STORE, 3, 16 + 8 * i);
      c.end();
    }
  }
  c.end();
  c.end(); // special
  // priorities: LTTng's prio - 100
  c.get(ent).mem(I32_LOAD8_U, 0, 8).set(nfix);
  for (let i = 0; i < 3; i++) {
    c.get(nfix).i32(i).op(I32_GT_U).if();
    c.get(o).get(hdr).op(I32_ADD).get(ent).mem(I32_LOAD16_U, 1, 10 + 2 * i).op(I32_ADD).get(skip).op(I32_SUB).tee(p);
    c.get(p).mem(I32_LOAD, 2).i32(100).op(I32_SUB).mem(I32_STORE, 2);
    c.end();
  }
  c.get(db).op(I32_EQZ).if();
  c.get(o).i32(10).op(I32_ADD).get(ctxBytes).op(I32_ADD).set(decl).get(o).get(hdr).op(I32_ADD).set(o);
  c.else();
  c.get(o).get(hdr).op(I32_ADD).get(db).op(I32_ADD).set(decl);
  c.get(o).get(hdr).op(I32_ADD).get(db).i32(7).op(I32_ADD).i32(-8).op(I32_AND).op(I32_ADD).set(o);
  c.end();
  c.get(n).i32(1).op(I32_ADD).set(n);
  c.end(); // $body
  c.br(0); // next record
  c.end(); // loop
  c.end(); // $done
  const st32 = (slot: number, from: number): void => void c.i32(0).get(from).mem(I32_STORE, 2, slot);
  st32(S_POS, pos); st32(S_O, o); st32(S_DECL, decl); st32(S_N, n); st32(S_BEGIN, begin); st32(S_LISTN, listN);
  c.i32(0).get(ts).mem(I64_STORE, 3, S_TS);
  c.i32(0).get(last).mem(I64_STORE, 3, S_LAST);
  c.get(status);
  return c;
}

/** The module: imports env.mem, exports walk(): i32. */
export function walkModuleBytes(): Uint8Array {
  const body = walkBody();
  const fn = [...body.localsDecl(), ...body.b, 0x0b];
  const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
  const str = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // type: () -> i32
    ...section(1, [1, 0x60, 0, 1, I32]),
    // import env.mem: memory, min 1
    ...section(2, [1, ...str('env'), ...str('mem'), 0x02, 0x00, 0x01]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...str('walk'), 0x00, 0]),
    ...section(10, [1, ...uleb(fn.length), ...fn]),
  ];
  return Uint8Array.from(bytes);
}

// the few WebAssembly APIs used (tsconfig's lib has no WebAssembly types)
interface WasmModule {
  readonly __wasmModule?: never;
}
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number }) => WasmMemory;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
};

let compiled: WasmModule | undefined;

export interface Walker {
  walk(): number;
  mem: WasmMemory;
}

/** An instance over a fresh memory of `bytes` bytes. */
export function createWalker(bytes: number): Walker {
  compiled ??= new WebAssembly.Module(walkModuleBytes());
  const mem = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
  const inst = new WebAssembly.Instance(compiled, { env: { mem } });
  return { walk: inst.exports['walk'] as () => number, mem };
}
