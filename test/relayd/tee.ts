// Test-only TCP tee: a session daemon talks to the primary relay through it (both ways),
// and every byte it sends is also sent, in the same order, to a mirror relay whose
// replies are read and dropped. Two relays fed one byte stream: their outputs can be
// compared file for file.
import * as net from 'node:net';

export interface Tee {
  port: number;
  /** bytes forwarded to the primary */
  readonly forwarded: number;
  close(): Promise<void>;
  /** resolves once every accepted connection and its mirror ended */
  idle(): Promise<void>;
}

export async function tee(primary: number, mirror: number): Promise<Tee> {
  const open = new Set<Promise<void>>();
  let forwarded = 0;
  const srv = net.createServer((client) => {
    const up = net.createConnection({ host: '127.0.0.1', port: primary });
    const copy = net.createConnection({ host: '127.0.0.1', port: mirror });
    copy.resume(); // the mirror's replies go nowhere
    client.on('data', (b: Buffer) => {
      forwarded += b.length;
      up.write(b);
      copy.write(b);
    });
    up.on('data', (b: Buffer) => client.write(b));
    const done = new Promise<void>((resolve) => {
      let left = 2;
      const one = (): void => {
        if (--left === 0) resolve();
      };
      up.on('close', one);
      copy.on('close', one);
    });
    open.add(done);
    void done.then(() => open.delete(done));
    client.on('end', () => {
      up.end();
      copy.end();
    });
    client.on('error', () => {
      up.destroy();
      copy.destroy();
    });
    up.on('end', () => client.end());
    up.on('error', () => client.destroy());
    copy.on('error', () => undefined);
    copy.on('end', () => copy.end());
  });
  await new Promise<void>((r) => srv.listen({ host: '127.0.0.1', port: 0 }, () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    get forwarded() {
      return forwarded;
    },
    close: () => new Promise<void>((r) => srv.close(() => r())),
    idle: async () => {
      while (open.size > 0) await Promise.all([...open]);
    },
  };
}
