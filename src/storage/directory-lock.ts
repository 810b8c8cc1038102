import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

import { ErrorCode, TickstreamError } from '../errors.js';

/**
 * A lock file holding the owner's process id, so that a second process (a `tickstream migrate`
 * next to a running server) cannot open the same embedded database: PGlite does not lock its
 * directory, and two writers corrupt it. A lock left by a process that no longer runs (killed,
 * crashed) is taken over.
 */
/** Lock files this process holds: a second open in the same process is refused too. */
const held = new Set<string>();

export class DirectoryLock {
  readonly path: string;
  #held = true;

  private constructor(path: string) {
    this.path = path;
  }

  static acquire(path: string): DirectoryLock {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, String(process.pid));
        closeSync(fd);
        held.add(path);
        return new DirectoryLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number(readOwner(path));
      // Our own pid in a lock we do not hold: left by an earlier process that had the same pid.
      const ours = owner === process.pid && held.has(path);
      if (ours || (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner))) {
        throw new TickstreamError(
          ErrorCode.StorageLocked,
          `the embedded database is in use by process ${owner} (lock file ${path})`,
        );
      }
      try {
        unlinkSync(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    throw new TickstreamError(ErrorCode.StorageLocked, `cannot take the lock file ${path}`);
  }

  release(): void {
    if (!this.#held) return;
    this.#held = false;
    held.delete(this.path);
    try {
      if (readOwner(this.path) === String(process.pid)) unlinkSync(this.path);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

function readOwner(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
