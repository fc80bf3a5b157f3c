// A TCP proxy that holds every chunk going to S3 for a while, so that a tool call is reliably still
// running when a test ends the session. Loopback only.
import { connect, createServer, type Socket } from "node:net";

export interface DelayProxy {
  readonly endpoint: string;
  /** Resolves when the first request bytes have arrived from the server under test. */
  readonly firstRequest: Promise<void>;
  close(): Promise<void>;
}

export async function startDelayProxy(upstream: string, delayMs: number): Promise<DelayProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let arrived!: () => void;
  const firstRequest = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = createServer((client) => {
    const up = connect(Number(target.port), target.hostname);
    sockets.add(client).add(up);
    client.on("data", (chunk) => {
      arrived();
      // Same delay for every chunk: timers fire in order, so the byte stream stays intact.
      setTimeout(() => up.write(chunk), delayMs);
    });
    up.on("data", (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on("close", end).on("error", end);
    up.on("close", end).on("error", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    firstRequest,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
