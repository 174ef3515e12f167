// A live viewer's view of relay streams (LTTng's relay_viewer_stream) and what it
// reads: index entries and packets from the files the relay wrote, metadata from the
// trace's metadata file. Reads are asynchronous file reads of what is already on disk,
// so a viewer, however slow, never holds up ingest; LTTng's check_index_status decides
// what GET_NEXT_INDEX answers.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES } from '../output/index.js';
import { IndexStatus, MetadataStatus, Seek, type LiveReply, type ViewerStream as WireStream } from '../wire/index.js';
import type { RelaySession } from './sessions.js';
import { NONE, type RelayStream, type Segment } from './streams.js';

/** Largest GET_PACKET a viewer may ask for (babeltrace2 asks 256 KiB at a time). */
export const MAX_PACKET_READ = 16 * 1024 * 1024;

export class ViewerStream {
  /** index entries sent (LTTng's index_sent_seqcount) */
  sent: number;
  metadataSent = 0;
  /** announced to the viewer (in ATTACH or GET_NEW_STREAMS) */
  announced = false;
  /** the file of the last index sent: GET_PACKET reads there */
  segment: Segment | undefined;

  constructor(
    readonly stream: RelayStream,
    readonly session: RelaySession,
    seek: number,
  ) {
    // BEGINNING: from the oldest packet on disk; LAST: from the next packet to come
    this.sent = seek === Seek.BEGINNING ? stream.tail : stream.received;
  }

  describe(): WireStream {
    const st = this.stream;
    return { id: st.handle, ctfTraceId: st.trace.id, metadataFlag: st.isMetadata ? 1 : 0, pathName: st.trace.path, channelName: st.channel };
  }
}

type IndexReply = Extract<LiveReply, { reply: 'GET_NEXT_INDEX' }>;

export function indexReply(status: number, fields: Partial<Omit<IndexReply, 'reply' | 'status' | 'flags'>> = {}): IndexReply {
  return {
    reply: 'GET_NEXT_INDEX', offset: 0n, packetSize: 0n, contentSize: 0n, timestampBegin: 0n, timestampEnd: 0n, eventsDiscarded: 0n, streamId: 0n,
    ...fields, status, flags: 0,
  };
}

/** reads exactly `len` bytes at `pos`, or fewer when the file is shorter; throws on errors */
async function readAt(file: string, pos: number, len: number): Promise<Buffer> {
  const h = await fs.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await h.read(buf, got, len - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === len ? buf : buf.subarray(0, got);
  } finally {
    await h.close();
  }
}

/**
 * GET_NEXT_INDEX for one viewer stream; `hup` is called when the stream is done
 * (the viewer forgets it, as LTTng drops its viewer stream).
 */
export async function nextIndex(vs: ViewerStream, hup: () => void): Promise<IndexReply> {
  const st = vs.stream;
  if (st.isMetadata) return indexReply(IndexStatus.HUP);
  if (st.pendingRotation || vs.session.ongoingRotation) return indexReply(IndexStatus.RETRY);
  if ((vs.session.connectionClosed || st.closed) && st.received === vs.sent) {
    hup();
    return indexReply(IndexStatus.HUP);
  }
  const caughtUp = st.received === 0 || (vs.sent !== 0 && st.received <= vs.sent);
  if (caughtUp && st.beaconTsEnd !== NONE) return indexReply(IndexStatus.INACTIVE, { timestampEnd: st.beaconTsEnd, streamId: st.ctfStreamId });
  if (caughtUp) return indexReply(IndexStatus.RETRY);
  // a trace-file ring overwrote what the viewer had not read yet: on from the oldest left
  if (vs.sent < st.tail) vs.sent = st.tail;
  const seq = vs.sent;
  const seg = st.segmentOf(seq);
  if (!seg) return indexReply(IndexStatus.RETRY);
  let entry: Buffer;
  try {
    entry = await readAt(path.join(seg.chunk.dir, seg.index), INDEX_HEADER_BYTES + (seq - seg.first) * INDEX_ENTRY_BYTES, INDEX_ENTRY_BYTES);
  } catch {
    return indexReply(IndexStatus.ERR);
  }
  if (entry.length < INDEX_ENTRY_BYTES) return indexReply(IndexStatus.ERR);
  const u = (k: number): bigint => entry.readBigUInt64BE(k * 8);
  vs.segment = seg;
  vs.sent = seq + 1;
  return indexReply(IndexStatus.OK, { offset: u(0), packetSize: u(1), contentSize: u(2), timestampBegin: u(3), timestampEnd: u(4), eventsDiscarded: u(5), streamId: u(6) });
}

/** GET_PACKET: `len` bytes at `offset` of the file of the last index sent, or undefined (ERR) */
export async function readPacket(vs: ViewerStream, offset: bigint, len: number): Promise<Buffer | undefined> {
  const seg = vs.segment;
  if (!seg || len > MAX_PACKET_READ || offset > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  try {
    const b = await readAt(path.join(seg.chunk.dir, seg.file), Number(offset), len);
    return b.length === len ? b : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET_METADATA: everything received and not sent yet, in one piece (a viewer must never
 * parse half of it). `dispose`: the stream is done, the viewer forgets it after this reply.
 */
export async function readMetadata(vs: ViewerStream): Promise<{ reply: Extract<LiveReply, { reply: 'GET_METADATA' }>; dispose: boolean }> {
  const st = vs.stream;
  const none = (status: number, dispose = false) => ({ reply: { reply: 'GET_METADATA' as const, status, data: new Uint8Array(0) }, dispose });
  if (!st.isMetadata) return none(MetadataStatus.ERR);
  const received = st.metadataReceived;
  if (vs.metadataSent >= received) return none(MetadataStatus.NO_NEW, vs.metadataSent > 0 && st.closed);
  const file = st.metadataFile();
  if (!file) return none(MetadataStatus.NO_NEW, vs.session.connectionClosed);
  const len = received - vs.metadataSent;
  let data: Buffer;
  try {
    data = await readAt(file, vs.metadataSent, len);
  } catch {
    return none(MetadataStatus.ERR);
  }
  // a short read (the file was reset meanwhile): nothing now, the viewer asks again
  if (data.length < len) return none(MetadataStatus.OK);
  vs.metadataSent += len;
  return { reply: { reply: 'GET_METADATA', status: MetadataStatus.OK, data }, dispose: false };
}
