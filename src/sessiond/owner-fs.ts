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
import type { OutputFs } from '../output/fs.js';

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

/**
 * File operations as one client: the output layer's seam (src/output/fs.ts)
 * for everything a session writes, plus what the daemon reads for it.
 */
export class OwnerFs implements OutputFs {
  constructor(readonly creds: Credentials) {}

  private run<T>(p: string, fn: () => T): T {
    try {
      return asUser(this.creds, fn);
    } catch (e) {
      throw describe(e, p);
    }
  }

  /** creates `dir` and its missing parents (0750, the client's) */
  mkdir(dir: string): void {
    this.run(dir, () => mkdirs(dir));
  }

  /** creates `dir` and its missing parents; returns its real path */
  mkdirs(dir: string): string {
    return this.run(dir, () => mkdirs(dir));
  }

  /** creates or truncates a file for writing (0640), never through a link */
  openWrite(file: string, mode = FILE_MODE): number {
    return this.run(file, () => openNoFollow(file, fs.constants.O_TRUNC, mode));
  }

  /** creates a file that must not exist yet */
  openExclusive(file: string, mode = FILE_MODE): number {
    return this.run(file, () => openNoFollow(file, fs.constants.O_EXCL, mode));
  }

  write(fd: number, data: Uint8Array, offset: number, length: number, position: number | null): number {
    return fs.writeSync(fd, data, offset, length, position);
  }

  close(fd: number): void {
    fs.closeSync(fd);
  }

  writeFile(file: string, data: Uint8Array | string, mode = FILE_MODE): void {
    this.run(file, () => writeWhole(file, fs.constants.O_TRUNC, mode, data));
  }

  appendFile(file: string, data: Uint8Array | string): void {
    this.run(file, () => writeWhole(file, fs.constants.O_APPEND, FILE_MODE, data));
  }

  /** rename(2) replaces a link at `to` instead of following it; both folders are checked */
  rename(from: string, to: string): void {
    this.run(to, () => {
      const dir = mkdirs(path.dirname(path.resolve(to)));
      fs.renameSync(path.join(mkdirs(path.dirname(path.resolve(from))), path.basename(from)), path.join(dir, path.basename(to)));
    });
  }

  /** removes a file or a tree (links inside are removed, never followed) */
  remove(target: string): void {
    this.run(target, () => fs.rmSync(target, { recursive: true, force: true }));
  }

  exists(target: string): boolean {
    return this.run(target, () => fs.existsSync(target));
  }

  /** reads a file the client may read (a link is followed with the client's rights only) */
  readFile(file: string): Buffer {
    return this.run(file, () => fs.readFileSync(file));
  }

  list(dir: string): fs.Dirent[] {
    return this.run(dir, () => fs.readdirSync(dir, { withFileTypes: true }));
  }

  readdir(dir: string): string[] {
    return this.run(dir, () => fs.readdirSync(dir));
  }

  size(file: string): number {
    return this.run(file, () => fs.statSync(file).size);
  }

  stat(p: string): fs.Stats | undefined {
    try {
      return this.run(p, () => fs.statSync(p));
    } catch (e) {
      if (e instanceof OwnerFsError && e.code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** writes a whole file: to a temporary name in the same folder, then renamed over (readers never see half) */
  writeFileAtomic(file: string, data: string | Uint8Array): void {
    this.run(file, () => {
      const dir = mkdirs(path.dirname(path.resolve(file)));
      const p = path.join(dir, path.basename(file));
      const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
      const fd = openNoFollow(tmp, fs.constants.O_EXCL, FILE_MODE);
      try {
        fs.writeFileSync(fd, data);
      } finally {
        fs.closeSync(fd);
      }
      const st = fs.lstatSync(p, { throwIfNoEntry: false });
      if (st && !st.isFile()) {
        fs.rmSync(tmp, { force: true });
        throw new OwnerFsError(`Not a regular file: ${p}`);
      }
      fs.renameSync(tmp, p);
    });
  }

  /** a folder the client may create things in (checked at `create`): missing parents are created */
  checkOutputDir(dir: string): string {
    return this.run(dir, () => {
      const real = mkdirs(dir);
      fs.accessSync(real, fs.constants.W_OK | fs.constants.X_OK);
      return real;
    });
  }
}

function writeWhole(file: string, how: number, mode: number, data: Uint8Array | string): void {
  const fd = openNoFollow(file, how, mode);
  try {
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}

/** open(2) with O_NOFOLLOW in a checked folder; only regular files */
function openNoFollow(file: string, how: number, mode: number): number {
  const dir = mkdirs(path.dirname(path.resolve(file)));
  const p = path.join(dir, path.basename(file));
  const c = fs.constants;
  const fd = fs.openSync(p, c.O_WRONLY | c.O_CREAT | c.O_NOFOLLOW | how, mode);
  if (!fs.fstatSync(fd).isFile()) {
    fs.closeSync(fd);
    throw new OwnerFsError(`Not a regular file: ${p}`);
  }
  return fd;
}
