// Reading a data connection into one reused buffer. Node gives every read of a socket a
// freshly allocated buffer; at hundreds of MiB/s the page faults of touching that fresh
// memory cost more than everything else the relay does with the bytes. Node's
// `onread: { buffer, callback }` reads into a buffer of ours instead, but only sockets
// made with `new net.Socket` take it: an accepted socket's handle is moved into one.
// Callers must not keep views of the buffer after the callback returns.
import * as net from 'node:net';

interface HandleOwner {
  _handle: { readStart?: unknown; useUserBuffer?: unknown } | null;
}

/**
 * The accepted socket `s` (from a server made with `pauseOnConnect`), reading into
 * `buffer` and handing each read to `onData`; or `s` itself, reading as usual with
 * 'data' events, when this Node's sockets cannot be taken over so.
 */
export function readingInto(s: net.Socket, buffer: Buffer, onData: (chunk: Buffer) => void): net.Socket {
  const owner = s as unknown as HandleOwner;
  const handle = owner._handle;
  if (!handle || typeof handle.useUserBuffer !== 'function' || typeof handle.readStart !== 'function') {
    s.on('data', onData);
    s.resume();
    return s;
  }
  owner._handle = null;
  // the server counts its connections by their 'close': the husk closes now
  s.destroy();
  const taken = new net.Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer,
      callback: (n: number, b: Uint8Array) => {
        onData(Buffer.from(b.buffer, b.byteOffset, n));
        return true;
      },
    },
  } as net.SocketConstructorOpts & { handle: unknown });
  taken.resume();
  return taken;
}
