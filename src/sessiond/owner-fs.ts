// File access on behalf of a client: every path a client names is created,
// read and written with the client's identity (runas.ts), trace files 0640
// and folders 0750 owned by the client, and never through a symbolic link the
// client could have planted. Links owned by root (e.g. /var/run → /run) are
// system layout and are followed; any other link on the way, or at the end,
// is refused. Synchronous on purpose: the identity switch holds for the
// calling thread only.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { asUser } from './runas.js';
import type { Credentials } from './runas.js';

export const FILE_MODE = 0o640;
export const DIR_MODE = 0o750;

export class OwnerFsError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

function describe(e: unknown, p: string): OwnerFsError {
  const code = (e as NodeJS.ErrnoException).code;
  if (e instanceof OwnerFsError) return e;
  if (code === 'EACCES' || code === 'EPERM') return new OwnerFsError(`Permission denied: ${p}`, code);
  if (code === 'ENOENT') return new OwnerFsError(`No such file or directory: ${p}`, code);
  if (code === 'ENOTDIR') return new OwnerFsError(`Not a directory: ${p}`, code);
  if (code === 'EEXIST') return new OwnerFsError(`File exists: ${p}`, code);
  if (code === 'ENAMETOOLONG') return new OwnerFsError(`File name too long: ${p}`, code);
  if (code === 'ELOOP') return new OwnerFsError(`Refusing to follow a symbolic link: ${p}`, code);
  return new OwnerFsError(`${p}: ${(e as Error).message}`, code);
}

/** an absolute, normalised path whose existing components are no links but root's; missing ones created 0750 */
function mkdirs(dir: string): string {
  const abs = path.resolve(dir);
  let cur = '/';
  for (const part of abs.split('/').filter(Boolean)) {
    const next = path.join(cur, part);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw describe(e, next);
    }
    if (!st) {
      try {
        fs.mkdirSync(next, { mode: DIR_MODE });
      } catch (e) {
        // another writer may have made it meanwhile: check it like an existing one
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw describe(e, next);
      }
      st = fs.lstatSync(next);
    }
    if (st.isSymbolicLink()) {
      if (st.uid !== 0) throw new OwnerFsError(`Refusing to follow a symbolic link: ${next}`, 'ELOOP');
      cur = fs.realpathSync(next);
      if (!fs.statSync(cur).isDirectory()) throw new OwnerFsError(`Not a directory: ${next}`, 'ENOTDIR');
      continue;
    }
    if (!st.isDirectory()) throw new OwnerFsError(`Not a directory: ${next}`, 'ENOTDIR');
    cur = next;
  }
  return cur;
}

/** file operations as one client */
export class OwnerFs {
  constructor(readonly creds: Credentials) {}

  private run<T>(p: string, fn: () => T): T {
    try {
      return asUser(this.creds, fn);
    } catch (e) {
      throw describe(e, p);
    }
  }

  /** creates `dir` and its missing parents (0750, the client's); returns its real path */
  mkdirs(dir: string): string {
    return this.run(dir, () => mkdirs(dir));
  }

  /** opens a file for writing (created 0640 if missing), never through a link */
  openWrite(file: string, how: 'truncate' | 'append' | 'exclusive' = 'truncate'): number {
    return this.run(file, () => {
      const dir = mkdirs(path.dirname(path.resolve(file)));
      const p = path.join(dir, path.basename(file));
      const c = fs.constants;
      const mode = how === 'append' ? c.O_APPEND : how === 'exclusive' ? c.O_EXCL : c.O_TRUNC;
      const fd = fs.openSync(p, c.O_WRONLY | c.O_CREAT | c.O_NOFOLLOW | mode, FILE_MODE);
      if (!fs.fstatSync(fd).isFile()) {
        fs.closeSync(fd);
        throw new OwnerFsError(`Not a regular file: ${p}`);
      }
      return fd;
    });
  }

  /** writes a whole file: to a temporary name in the same folder, then renamed over (readers never see half) */
  writeFileAtomic(file: string, data: string | Uint8Array): void {
    this.run(file, () => {
      const dir = mkdirs(path.dirname(path.resolve(file)));
      const p = path.join(dir, path.basename(file));
      const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
      const c = fs.constants;
      const fd = fs.openSync(tmp, c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_NOFOLLOW, FILE_MODE);
      try {
        fs.writeFileSync(fd, data);
      } finally {
        fs.closeSync(fd);
      }
      try {
        const st = fs.lstatSync(p);
        if (!st.isFile()) throw new OwnerFsError(`Not a regular file: ${p}`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
          fs.rmSync(tmp, { force: true });
          throw e;
        }
      }
      fs.renameSync(tmp, p);
    });
  }

  /** reads a file the client may read (a link is followed with the client's rights) */
  readFile(file: string): Buffer {
    return this.run(file, () => fs.readFileSync(file));
  }

  readdir(dir: string): string[] {
    return this.run(dir, () => fs.readdirSync(dir));
  }

  stat(p: string): fs.Stats | undefined {
    try {
      return this.run(p, () => fs.statSync(p));
    } catch (e) {
      if (e instanceof OwnerFsError && e.code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** a path the client could create a folder at (checked at `create`): missing parents are created */
  checkOutputDir(dir: string): string {
    return this.run(dir, () => {
      const real = mkdirs(dir);
      fs.accessSync(real, fs.constants.W_OK | fs.constants.X_OK);
      return real;
    });
  }
}
