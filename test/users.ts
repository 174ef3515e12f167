// A real non-root user in group `tracing`, made by the tests (useradd), for
// the checks that the daemon acts with each client's rights.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  tracingGid: number;
}

const NAME = 'ttng-tester';

function id(args: string[]): number {
  return Number(execFileSync('id', args, { encoding: 'utf8' }).trim());
}

/** why a test user cannot be had here (not root, no useradd), or false */
export function noTestUser(): string | false {
  if (process.getuid?.() !== 0) return 'needs root to create a test user';
  if (!fs.existsSync('/usr/sbin/useradd')) return 'needs useradd';
  return false;
}

/** the test user (created once: group `tracing`, home /home/ttng-tester) */
export function tracingUser(): TestUser {
  execFileSync('groupadd', ['-f', 'tracing']);
  const home = `/home/${NAME}`;
  try {
    execFileSync('id', [NAME], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['-m', '-d', home, '-s', '/bin/sh', '-U', '-G', 'tracing', NAME]);
  }
  execFileSync('usermod', ['-a', '-G', 'tracing', NAME]);
  const tracingGid = Number(execFileSync('getent', ['group', 'tracing'], { encoding: 'utf8' }).split(':')[2]);
  return { name: NAME, uid: id(['-u', NAME]), gid: id(['-g', NAME]), home, tracingGid };
}
