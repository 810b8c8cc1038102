import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy to a server that a test can take down (every connection cut, the port refusing) and
 * bring back on the same port: a database outage without touching the database.
 */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.#target.port, this.#target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.#server = server;
  }

  /**
   * Resets every connection (a TCP RST towards the client: it reads ECONNRESET) and keeps
   * listening: a network fault that a new connection gets past at once.
   */
  reset(): void {
    for (const s of this.#sockets) s.resetAndDestroy();
  }

  /** Cuts every connection and stops listening (connecting is refused). */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
