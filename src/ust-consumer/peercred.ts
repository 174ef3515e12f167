// The credentials of the process at the other end of a unix socket
// (SO_PEERCRED, through koffi: Node does not expose them), so that the daemon
// need not trust the pid and uid a traced app claims.
import type * as net from 'node:net';
import { createRequire } from 'node:module';

type GetSockOpt = (fd: number, level: number, name: number, val: Buffer, len: number[]) => number;
let getsockopt: GetSockOpt | null | undefined;

function fn(): GetSockOpt | null {
  if (getsockopt !== undefined) return getsockopt;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as { load(p: string): { func(sig: string): GetSockOpt } };
    getsockopt = koffi.load('libc.so.6').func('int getsockopt(int fd, int level, int optname, _Out_ uint8_t *optval, _Inout_ uint32_t *optlen)');
  } catch {
    getsockopt = null;
  }
  return getsockopt;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

/** pid, uid and gid of the peer, or undefined where they cannot be read */
export function peerCredentials(sock: net.Socket): { pid: number; uid: number; gid: number } | undefined {
  // the handle's descriptor is internal to Node, but stable on Linux for pipes (unix sockets)
  const fd = (sock as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  const g = fn();
  if (typeof fd !== 'number' || fd < 0 || !g) return undefined;
  const buf = Buffer.alloc(12);
  if (g(fd, SOL_SOCKET, SO_PEERCRED, buf, [12]) !== 0) return undefined;
  return { pid: buf.readInt32LE(0), uid: buf.readUInt32LE(4), gid: buf.readUInt32LE(8) };
}
