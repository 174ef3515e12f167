// Test harness: records this thread's ttng/ust events without a daemon, the
// way the daemon side does (config push → buffers → RingBufferReader → CTF
// files with ctf-layout metadata), so babeltrace2 can read what the API wrote.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { runSync } from '../helpers.js';
import { applyConfig, events, producers } from '../../src/ust/runtime.js';
import { RingBufferReader } from '../../src/ringbuffer/reader.js';
import { ustClockClass, ustEnv, ustEventClass, ustMetadata, ustStreamClass, ustTraceClass } from '../../src/ust/ctf-layout.js';
import type { UstAppConfig, UstContextName } from '../../src/ust/protocol.js';
import { stopRegistration } from '../../src/ust/registration.js';

// this process plays the daemon: a real daemon on the machine must not push its own config
stopRegistration();

export interface Recording {
  uuid: string;
  ids: Map<string, number>;
  readers: RingBufferReader[];
  generation: number;
}

let gen = 1000;

/** enables every declared event (ids in declaration order) into one channel */
export function record(opts: { contexts?: UstContextName[]; subbufSize?: number; numSubbuf?: number; overwrite?: boolean; filters?: Record<string, string[]>; switchTimerUs?: number } = {}): Recording {
  const uuid = randomUUID();
  const ids = new Map<string, number>();
  let id = 0;
  for (const name of events.keys()) ids.set(name, id++);
  const chanKey = 1000 + gen;
  const cfg: UstAppConfig = {
    generation: gen++,
    channels: [{
      chanKey, session: 's', channel: 'channel0', uuid: uuid.replace(/-/g, ''), streamClassId: 0, streamInstanceId: 0,
      subbufSize: opts.subbufSize ?? 65536, numSubbuf: opts.numSubbuf ?? 4, overwrite: !!opts.overwrite, switchTimerUs: opts.switchTimerUs ?? 0,
      contexts: opts.contexts ?? [], buffers: 'uid',
    }],
    events: [...ids].map(([name, i]) => ({ name, targets: [{ chanKey, id: i, filters: opts.filters?.[name] ?? null }] })),
  };
  applyConfig(cfg);
  const readers = producers().map((p) => RingBufferReader.open(p.name));
  return { uuid, ids, readers, generation: cfg.generation };
}

/** stops, drains everything and writes the trace; returns its directory */
export function finish(rec: Recording, dir: string, contexts: UstContextName[] = []): string {
  applyConfig({ generation: gen++, channels: [], events: [] });
  const out = path.join(dir, 'ust', 'uid', '0', '64-bit');
  fs.mkdirSync(out, { recursive: true });
  const clock = ustClockClass();
  const ecs = [...rec.ids].map(([name, id]) => ustEventClass(events.get(name)!.decl, id, 0));
  const sc = ustStreamClass(0, clock, contexts, ecs);
  fs.writeFileSync(path.join(out, 'metadata'), ustMetadata(ustTraceClass(rec.uuid, ustEnv({ traceName: 't', buffers: 'uid', bufferingId: 0 }), clock, [sc])));
  rec.readers.forEach((r, i) => {
    const pk = r.readAll();
    fs.writeFileSync(path.join(out, `channel0_${i}`), Buffer.concat(pk.map((p) => p.data)));
    r.close(true);
  });
  return dir;
}

export function babeltrace2(dir: string): { out: string[]; err: string } {
  const r = runSync('babeltrace2', [dir]);
  if (r.code !== 0) throw new Error(`babeltrace2 failed: ${r.stderr}`);
  return { out: r.stdout.split('\n').filter(Boolean), err: r.stderr };
}

/** the payload part of a babeltrace2 text line */
export function payload(line: string): string {
  const i = line.lastIndexOf('{ ');
  return line.slice(i);
}
