import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * A PostgreSQL server of the test's own: `initdb` into a temporary directory and `pg_ctl start` on
 * a free port, run as the `postgres` user (the test runs as root; PostgreSQL refuses root), so a
 * fault test can stop it the hard way (`pg_ctl stop -m immediate`: every backend killed, no
 * checkpoint, crash recovery at the next start) and start it again on the same port.
 */
export class PostgresServer {
  readonly #bin: string;
  readonly #dir: string;
  port = 0;

  private constructor(bin: string, dir: string) {
    this.#bin = bin;
    this.#dir = dir;
  }

  /** Why a test cannot start one here (not root, no PostgreSQL binaries, no postgres user), or false. */
  static unavailable(): string | false {
    if (process.getuid?.() !== 0) return 'not root: cannot run PostgreSQL as the postgres user';
    if (findBin() === undefined) return 'no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql';
    return false;
  }

  static async create(): Promise<PostgresServer> {
    const bin = findBin();
    if (bin === undefined) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql');
    const dir = mkdtempSync(join(tmpdir(), 'tickstream-pg-'));
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    const server = new PostgresServer(bin, dir);
    await server.#as('initdb', [
      '-D',
      server.#data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
    ]);
    server.port = await freePort();
    await server.start();
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get #data(): string {
    return join(this.#dir, 'data');
  }

  async start(): Promise<void> {
    // The socket directory is the temp dir: nothing outside it is touched.
    await this.#as('pg_ctl', [
      '-D',
      this.#data,
      '-l',
      join(this.#dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
      'start',
    ]);
  }

  /** `pg_ctl stop -m immediate`: the postmaster and every backend killed at once. */
  async stopImmediate(): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-w', '-m', 'immediate', 'stop']);
  }

  async destroy(): Promise<void> {
    await this.#as('pg_ctl', ['-D', this.#data, '-w', '-m', 'immediate', 'stop']).catch(() => {});
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #as(tool: string, args: string[]): Promise<void> {
    await exec('runuser', ['-u', 'postgres', '--', join(this.#bin, tool), ...args], { cwd: this.#dir });
  }
}

/** The bin directory of the newest PostgreSQL under /usr/lib/postgresql with initdb and pg_ctl. */
function findBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = join(root, v, 'bin');
    if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}
