// The two reference captures and their tshark-made summaries, for the wire tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRACES } from '../helpers.js';
import { readCapture, tcpConversations, type TcpConversation } from './pcap.js';

export const PCAP_DIR = path.join(TRACES, 'pcap');
export const SESSIOND_RELAYD = path.join(PCAP_DIR, 'live-sessiond-relayd');
export const LIVE_VIEWER = path.join(PCAP_DIR, 'live-viewer');

export function conversations(base: string): TcpConversation[] {
  return tcpConversations(readCapture(`${base}.pcap`));
}

export interface SummaryCommand {
  name: string;
  payload: number;
  /** key=value pairs printed after the payload size */
  fields: Record<string, string>;
}

export interface SummaryStream {
  index: number;
  serverPort: number;
  toServer: number;
  toClient: number;
  counts: Record<string, number>;
  /** the commands listed before a "..." line (all of them when there is none) */
  head: SummaryCommand[];
  /** the commands listed after a "..." line */
  tail: SummaryCommand[];
  /** "<- NAME reply: text" lines, with their indented continuation lines */
  replies: { name: string; text: string; more: string[] }[];
  /** data port: "stream N: P packet(s), B bytes" */
  dataStreams: { stream: number; packets: number; bytes: number }[];
}

function fieldsOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/(\w+)=('[^']*'|\S+)/g)) out[m[1]!] = m[2]!.replace(/^'|'$/g, '');
  return out;
}

export function readSummary(base: string): SummaryStream[] {
  const out: SummaryStream[] = [];
  let cur: SummaryStream | undefined;
  let afterDots = false;
  for (const line of fs.readFileSync(`${base}.summary.txt`, 'utf8').split('\n')) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^tcp stream (\d+): server port (\d+), client->server (\d+) bytes, server->client (\d+) bytes/))) {
      cur = { index: Number(m[1]), serverPort: Number(m[2]), toServer: Number(m[3]), toClient: Number(m[4]), counts: {}, head: [], tail: [], replies: [], dataStreams: [] };
      out.push(cur);
      afterDots = false;
    } else if (!cur) {
      continue;
    } else if ((m = line.match(/^ {2}command counts: (.*)$/))) {
      for (const part of m[1]!.split(', ')) {
        const [k, v] = part.split('=');
        cur.counts[k!] = Number(v);
      }
    } else if ((m = line.match(/^ {2}-> (\w+) \(payload (\d+) bytes\)\s*(.*)$/))) {
      (afterDots ? cur.tail : cur.head).push({ name: m[1]!, payload: Number(m[2]), fields: fieldsOf(m[3]!) });
    } else if (line.trim() === '...') {
      afterDots = true;
    } else if ((m = line.match(/^ {2}<- (\w+) reply: (.*)$/))) {
      cur.replies.push({ name: m[1]!, text: m[2]!, more: [] });
    } else if ((m = line.match(/^ {7}(.*)$/)) && cur.replies.length > 0) {
      cur.replies[cur.replies.length - 1]!.more.push(m[1]!);
    } else if ((m = line.match(/^ {2}stream (\d+): (\d+) packet\(s\), (\d+) bytes/))) {
      cur.dataStreams.push({ stream: Number(m[1]), packets: Number(m[2]), bytes: Number(m[3]) });
    }
  }
  return out;
}

export { fieldsOf };
