// Snapshots of a flight-recorder session: what ftrace's overwrite-mode
// buffers hold (plus the pages earlier snapshots read, so snapshots overlap
// as LTTng's do), transcoded by a fresh consumer per channel into a trace of
// its own, with a statedump of the state now, at most `maxBytes` in all.
import type { OutputFs } from '../output/fs.js';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { uuidFromString } from '../ctf/model.js';
import type { KernelSnapshotResult } from './api.js';
import type { Channel } from './channel.js';
import { ChannelConsumer } from './consumer.js';
import type { MetadataWriter } from './ctf-out.js';
import { keepNewestPackets, treeBytes } from './ctf-out.js';
import type { ProcCache } from './procinfo.js';
import { hrtimeParts } from './session-env.js';
import type { StatedumpEvent } from './statedump.js';
import { runStatedump } from './statedump.js';

/** what a snapshot reads of its session */
export interface SnapshotSource {
  channels: Channel[];
  /** the session's metadata (scratch directory) */
  metadata: MetadataWriter;
  /** the statedump's event ids; none: no statedump */
  statedumpIds: Map<StatedumpEvent, number>;
  procs: ProcCache;
  /** how the snapshot's files are made (the session owner's identity) */
  fs: OutputFs;
}

export function writeSnapshot(s: SnapshotSource, dir: string, maxBytes: number): KernelSnapshotResult {
  const chans = s.channels;
  const nstreams = chans.reduce((n, ch) => n + ch.consumer!.readers.length, 0);
  const ofs = s.fs;
  ofs.mkdir(dir);
  // a trace of its own: snapshots overlap, and readers merge same-UUID traces as one
  // (their packets differ from one snapshot to the next, unlike LTTng's copied sub-buffers)
  const uuid = uuidFromString(randomUUID())!;
  s.metadata.copyTo(dir, uuid, ofs);
  const metaBytes = ofs.size(path.join(dir, 'metadata'));
  // each stream gets an equal share of what the metadata leaves (as LTTng splits max-size over streams)
  const perStream = maxBytes > 0 ? Math.floor((maxBytes - metaBytes) / nstreams) : 0;
  if (maxBytes > 0 && perStream < 16384) {
    ofs.remove(dir);
    throw new Error(`Invalid snapshot size: ${maxBytes} bytes cannot hold the metadata (${metaBytes} bytes) and a packet for each of the ${nstreams} streams`);
  }
  let events = 0;
  for (const ch of chans) {
    const live = ch.consumer!;
    const fresh = live.readAllPages(2 * ch.bufferBytes);
    // keep what this read consumed, bounded by the buffer size (ftrace's buffer_size_kb is per CPU)
    ch.retained ??= fresh.map(() => []);
    fresh.forEach((pages, i) => {
      const kept = ch.retained![i]!;
      kept.push(...pages);
      let bytes = kept.reduce((n, p) => n + p.length, 0);
      while (kept.length > 1 && bytes - kept[0]!.length >= ch.bufferBytes) bytes -= kept.shift()!.length;
    });
    const packetBytes = perStream > 0 ? Math.max(4096, Math.min(64 << 10, (perStream >> 2) & ~4095)) : 64 << 10;
    const snap = new ChannelConsumer({ ...live.opts, outDir: dir, packetBytes, uuid, tracefile: undefined, countLosses: false });
    snap.adoptPlans(live);
    ch.retained.forEach((pages, i) => {
      // the newest pages, a little more than the share (the transcoded size differs from ftrace's)
      let from = pages.length;
      if (perStream > 0) {
        let raw = 0;
        while (from > 0 && raw + pages[from - 1]!.length <= perStream * 2) raw += pages[--from]!.length;
      } else from = 0;
      for (let k = from; k < pages.length; k++) snap.consumePage(i, pages[k]!);
    });
    if (ch.statedump && s.statedumpIds.size) {
      // the state now, last in the snapshot (as `lttng regenerate statedump` before a record):
      // the start's statedump is long overwritten
      const t = hrtimeParts();
      runStatedump(
        (ev, payload) => snap.writeSynthetic(0, s.statedumpIds.get(ev)!, t.hi, t.lo, payload, process.pid),
        (task) => s.procs.put(task.tid, task),
      );
    }
    snap.close();
    events += snap.recorded;
    if (perStream > 0) for (const r of snap.readers) keepNewestPackets(r.stream.file, perStream, ofs);
  }
  return { bytes: treeBytes(dir, {}, ofs), events };
}
