// --filter for kernel events: LTTng expressions → ftrace filters where the
// kernel can evaluate them, else evaluated on the records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { acceptRecord, eventFilter } from '../../src/kernel/filter.js';
import type { EventFilter } from '../../src/kernel/filter.js';
import { parseEventFormat, parseHeaderEvent, parseHeaderPage } from '../../src/kernel/format.js';
import { decodePage } from '../../src/kernel/page.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const md = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/ftrace-format-md.json'), 'utf8')) as Record<string, string>;
const live = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/pages.json'), 'utf8')) as { header_page: string; header_event: string; formats: Record<string, string> };
const sw = parseEventFormat(md['events/sched/sched_switch/format']!, 'sched');
const openat = parseEventFormat(md['events/syscalls/sys_enter_openat/format']!, 'syscalls');
const read = parseEventFormat(live.formats['syscalls/sys_enter_read']!, 'syscalls');
const exitRead = parseEventFormat(md['events/syscalls/sys_exit_read/format']!, 'syscalls');
const exec = parseEventFormat(md['events/sched/sched_process_exec/format']!, 'sched');

const ftrace = (f: EventFilter | undefined): string => (f?.kind === 'ftrace' ? f.text : `<${f?.kind}>`);

test('translated to ftrace filters: ftrace names, priorities + 100, globs, contexts', () => {
  assert.equal(ftrace(eventFilter(['prev_tid == 5 && next_comm == "bash*"'], sw)), '(prev_pid == 5) && (next_comm ~ "bash*")');
  assert.equal(ftrace(eventFilter(['next_prio < 20'], sw)), 'next_prio < 120');
  assert.equal(ftrace(eventFilter(['20 > next_prio'], sw)), 'next_prio < 120');
  assert.equal(ftrace(eventFilter(['!(prev_state == 1) || $ctx.procname != "node"'], sw)), '(!(prev_state == 1)) || (COMM != "node")');
  assert.equal(ftrace(eventFilter(['$ctx.tid == 42'], sw)), 'common_pid == 42');
  assert.equal(ftrace(eventFilter(['prev_state & 2'], sw)), 'prev_state & 2');
  assert.equal(ftrace(eventFilter(['fd == 3', 'count > 4096'], read)), '(fd == 3) || (count > 4096)');
  assert.equal(ftrace(eventFilter(['ret < 0'], exitRead)), 'ret < 0');
  assert.equal(ftrace(eventFilter(['filename == "/usr/*"'], exec)), 'filename ~ "/usr/*"');
});

test('no filter, never, or evaluated on the records', () => {
  assert.equal(eventFilter([], sw), undefined);
  assert.equal(eventFilter([undefined, 'prev_tid == 1'], sw), undefined, 'a rule without filter takes everything');
  assert.equal(eventFilter(['fd == 3'], sw)?.kind, 'never', 'a missing field is false');
  assert.equal(eventFilter(['fd == 3', 'prev_tid == 2'], sw)?.kind, 'ftrace');
  assert.equal(eventFilter(['$ctx.pid == 7'], sw)?.kind, 'user');
  assert.equal(eventFilter(['filename == "/etc/*"'], openat)?.kind, 'user', 'the path is a pointer in ftrace');
  assert.equal(eventFilter(['dfd == -100'], openat)?.kind, 'user', 'a C int in an 8-byte slot');
  assert.equal(eventFilter(['next_comm == "a?b"'], sw)?.kind, 'user', '? is literal for LTTng, a wildcard for ftrace');
});

test('filters evaluated on real records', () => {
  const hp = parseHeaderPage(live.header_page);
  const he = parseHeaderEvent(live.header_event);
  const bin = fs.readFileSync(path.join(here, 'fixtures/pages.bin'));
  const swLive = parseEventFormat(live.formats['sched/sched_switch']!, 'sched');
  let yes = 0;
  let no = 0;
  for (let off = 0; off + 4096 <= bin.length; off += 4096) {
    for (const r of decodePage(hp, he, new Uint8Array(bin.subarray(off, off + 4096))).records) {
      if (r.id !== swLive.id) continue;
      const dv = new DataView(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
      const prio = dv.getInt32(28, true) - 100;
      const nodes = (eventFilter([`prev_prio == ${prio} && $ctx.pid == 99 && prev_comm == "*"`], swLive) as Extract<EventFilter, { kind: 'user' }>).nodes;
      assert.equal(acceptRecord(nodes, swLive, r.payload, dv, 0, r.payload.length, { tid: 1, cpu: 0, pid: 99 }), true);
      const other = (eventFilter([`prev_prio == ${prio + 1} || $ctx.pid == 98`], swLive) as Extract<EventFilter, { kind: 'user' }>).nodes;
      const ok = acceptRecord(other, swLive, r.payload, dv, 0, r.payload.length, { tid: 1, cpu: 0, pid: 99 });
      if (ok) yes++;
      else no++;
    }
  }
  assert.equal(yes, 0);
  assert.ok(no > 10);
});
