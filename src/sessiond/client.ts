// Who a control connection speaks for (SO_PEERCRED, never what the client
// claims), and what follows from it: which sessions it sees (its own; root
// sees all, as lttng-sessiond), where its traces and saved sessions go by
// default (its own home), and the identity every file it names is made with.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import type { TtngPaths } from '../ctl/paths.js';
import { peerCredentials } from '../ust-consumer/peercred.js';
import { OwnerFs } from './owner-fs.js';
import { credentialsOf, ownCredentials } from './runas.js';

export interface Client {
  uid: number;
  gid: number;
  /** sees and controls every session */
  root: boolean;
  /** files and folders made and read with this client's identity */
  fs: OwnerFs;
  /** default trace output (`~/ttng-traces`) */
  tracesDir: string;
  /** default folder of `save`/`load` (`~/.ttng/sessions`) */
  sessionsDir: string;
}

/** the home folder of `uid` (/etc/passwd; NSS users through getent) */
function homeOf(uid: number): string | undefined {
  const find = (text: string): string | undefined => {
    for (const line of text.split('\n')) {
      const f = line.split(':');
      if (f.length >= 7 && Number(f[2]) === uid && f[5]) return f[5];
    }
    return undefined;
  };
  try {
    const h = find(fs.readFileSync('/etc/passwd', 'utf8'));
    if (h) return h;
  } catch {
    /* no passwd file */
  }
  return undefined;
}

/** the daemon's own user (its paths, TTNG_HOME included) */
export function daemonClient(paths: TtngPaths): Client {
  const creds = ownCredentials();
  return { uid: creds.uid, gid: creds.gid, root: creds.uid === 0, fs: new OwnerFs(creds), tracesDir: paths.tracesDir, sessionsDir: paths.sessionsDir };
}

/** the client at the other end of a control connection */
export function clientOf(sock: Socket, paths: TtngPaths): Client {
  const self = daemonClient(paths);
  const peer = peerCredentials(sock);
  // no credentials (not Linux): only the daemon's own user can have connected (socket 0600)
  if (!peer || peer.uid === self.uid) return self;
  const home = homeOf(peer.uid) ?? path.join('/nonexistent', String(peer.uid));
  return {
    uid: peer.uid,
    gid: peer.gid,
    root: peer.uid === 0,
    fs: new OwnerFs(credentialsOf(peer.pid, peer.uid, peer.gid)),
    tracesDir: path.join(home, 'ttng-traces'),
    sessionsDir: path.join(home, '.ttng', 'sessions'),
  };
}
