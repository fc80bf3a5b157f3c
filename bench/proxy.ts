// A small counting TCP proxy on loopback, put between mcp-s3 and the S3 server to measure what
// really crosses the wire: bytes from S3 to the client (down) and from the client to S3 (up).
//
// It applies back-pressure (upstream is paused while the client socket's buffer is full), so
// `down` counts only bytes the client's kernel accepted, not what the proxy could have read ahead.
// An optional hook can hold a request until some action completes (used to make an object grow
// between mcp-s3's HEAD and its GET).
//
//   bun bench/proxy.ts UPSTREAM_PORT   standalone: listens on a free port, prints counts on Ctrl-C
import { connect, createServer, type Socket } from "node:net";

export interface Counts {
  down: number;
  up: number;
  connections: number;
}

export interface CountingProxy {
  port: number;
  endpoint: string;
  counts(): Counts;
  reset(): void;
  /** Called with each chunk sent by the client; a promise holds that chunk until it resolves. */
  onClientData: ((chunk: Buffer) => Promise<void> | undefined) | undefined;
  close(): Promise<void>;
}

export async function startProxy(upstreamPort: number, upstreamHost = "127.0.0.1"): Promise<CountingProxy> {
  const c: Counts = { down: 0, up: 0, connections: 0 };
  const sockets = new Set<Socket>();
  const proxy: CountingProxy = {
    port: 0,
    endpoint: "",
    counts: () => ({ ...c }),
    reset() {
      c.down = 0;
      c.up = 0;
      c.connections = 0;
    },
    onClientData: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const server = createServer((client) => {
    c.connections++;
    const upstream = connect(upstreamPort, upstreamHost);
    sockets.add(client);
    sockets.add(upstream);
    const done = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);

    // S3 -> client, counted, with back-pressure.
    upstream.on("data", (chunk: Buffer) => {
      if (client.destroyed) return;
      c.down += chunk.length;
      if (!client.write(chunk)) {
        upstream.pause();
        client.once("drain", () => upstream.resume());
      }
    });
    // client -> S3, counted; chunks go through the hook in order.
    let chain: Promise<void> = Promise.resolve();
    client.on("data", (chunk: Buffer) => {
      const hold = proxy.onClientData?.(chunk);
      if (hold === undefined) {
        chain = chain.then(() => forward(chunk));
      } else {
        client.pause();
        chain = chain.then(() => hold.then(() => forward(chunk)).finally(() => client.resume()));
      }
    });
    const forward = (chunk: Buffer) => {
      if (upstream.destroyed) return;
      c.up += chunk.length;
      if (!upstream.write(chunk)) {
        client.pause();
        upstream.once("drain", () => client.resume());
      }
    };
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  proxy.port = typeof addr === "object" && addr !== null ? addr.port : 0;
  proxy.endpoint = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}

if (import.meta.main) {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) {
    console.error("usage: bun bench/proxy.ts UPSTREAM_PORT");
    process.exit(2);
  }
  const p = await startProxy(port);
  console.error(`counting proxy ${p.endpoint} -> 127.0.0.1:${port}; Ctrl-C prints the counts`);
  process.on("SIGINT", () => {
    console.error(JSON.stringify(p.counts()));
    process.exit(0);
  });
}
