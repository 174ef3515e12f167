// The relay: three listening sockets (control, data, live) over one shared state.
// Usable in-process (tests, `ttng`'s own commands) as well as by ttng-relayd.
import * as net from 'node:net';
import * as path from 'node:path';
import type { OutputFs } from '../output/index.js';
import { confinedFs } from './confine.js';
import { Connection } from './conn.js';
import { ControlConnection } from './control.js';
import { DataConnection } from './data.js';
import { readingInto } from './fastread.js';
import { LiveConnection } from './live.js';
import { Log } from './log.js';
import type { GroupBy } from './names.js';
import type { Endpoint } from './options.js';
import { RelayState } from './sessions.js';

export interface RelayConfig {
  control: Endpoint;
  data: Endpoint;
  live: Endpoint;
  output: string;
  groupBy?: GroupBy;
  log?: Log;
  /** the file system under the confinement (tests inject failures here); default node:fs */
  fs?: OutputFs;
}

export interface RelayAddresses {
  control: Endpoint;
  data: Endpoint;
  live: Endpoint;
}

function listen(ep: Endpoint, onConnection: (s: net.Socket) => void, pauseOnConnect = false): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer({ noDelay: true, pauseOnConnect }, onConnection);
    srv.once('error', reject);
    srv.listen({ host: ep.host, port: ep.port, exclusive: true }, () => {
      srv.off('error', reject);
      resolve(srv);
    });
  });
}

function addressOf(srv: net.Server): Endpoint {
  const a = srv.address() as net.AddressInfo;
  return { host: a.address, port: a.port };
}

export class Relay {
  readonly state: RelayState;
  readonly log: Log;
  private servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();

  constructor(private readonly config: RelayConfig) {
    this.log = config.log ?? new Log(0);
    const output = path.resolve(config.output);
    const base = config.fs;
    this.state = new RelayState({ output, groupBy: config.groupBy ?? 'host' }, confinedFs(output, { base }), confinedFs(output, { noIndex: true, base }), this.log);
  }

  /** listens on the three ports; resolves with the addresses bound (port 0 → the port picked) */
  async start(): Promise<RelayAddresses> {
    const track = (c: Connection): Connection => {
      this.connections.add(c);
      c.sock.on('close', () => this.connections.delete(c));
      return c;
    };
    try {
      const control = await listen(this.config.control, (s) => track(new ControlConnection(s, this.state)));
      this.servers.push(control);
      // data connections copy every byte out of their reads at once: one read buffer serves them all
      const readBuffer = Buffer.allocUnsafe(1024 * 1024);
      const data = await listen(
        this.config.data,
        (s) => {
          let conn: DataConnection | undefined;
          conn = track(new DataConnection(readingInto(s, readBuffer, (b) => conn?.receive(b)), this.state)) as DataConnection;
        },
        true,
      );
      this.servers.push(data);
      const live = await listen(this.config.live, (s) => track(new LiveConnection(s, this.state)));
      this.servers.push(live);
      return { control: addressOf(control), data: addressOf(data), live: addressOf(live) };
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** stops listening and closes every connection (streams close; files stay as they are) */
  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    for (const c of [...this.connections]) c.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
