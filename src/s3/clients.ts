// One S3 client per connection, each with its own credential source, created on first use so that
// starting up (and commands that never touch S3) stay fast.
import { Readable } from "node:stream";
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentityProvider, HttpHandlerOptions } from "@smithy/types";
import type { Config, Connection } from "../config/schema.ts";
import { S3ToolError } from "../errors.ts";
import { rejectNonS3Answers } from "./answers.ts";

export interface ClientPool {
  connection(name?: string): Connection;
  client(name: string): S3Client;
  /** A client whose endpoint is the connection's public_endpoint, used only to sign URLs. */
  presignClient(name: string): S3Client;
  destroy(): void;
}

export function createClientPool(config: Config): ClientPool {
  const clients = new Map<string, S3Client>();
  const presigners = new Map<string, S3Client>();

  const connection = (name?: string): Connection => {
    const wanted = name ?? config.default_connection;
    const found = Object.hasOwn(config.connections, wanted) ? config.connections[wanted] : undefined;
    if (found === undefined) {
      throw new S3ToolError(
        "ConnectionNotFound",
        `connection ${JSON.stringify(wanted)} is not configured`,
        `configured connections: ${Object.keys(config.connections).join(", ")}`,
      );
    }
    return found;
  };

  const cached = (
    cache: Map<string, S3Client>,
    name: string,
    endpoint: (c: Connection) => string | undefined,
  ) => {
    let client = cache.get(name);
    if (client === undefined) {
      const conn = connection(name);
      client = new S3Client(clientConfig(conn, endpoint(conn)));
      // A web page answering a listing must fail, not pass for an empty one (src/s3/answers.ts).
      client.middlewareStack.add(rejectNonS3Answers, {
        step: "deserialize",
        name: "rejectNonS3Answers",
      });
      cache.set(name, client);
    }
    return client;
  };

  return {
    connection,
    client: (name) => cached(clients, name, (c) => c.endpoint),
    presignClient: (name) => cached(presigners, name, (c) => c.public_endpoint ?? c.endpoint),
    destroy() {
      for (const c of [...clients.values(), ...presigners.values()]) c.destroy();
      clients.clear();
      presigners.clear();
    },
  };
}

export function clientConfig(conn: Connection, endpoint: string | undefined): S3ClientConfig {
  const config: S3ClientConfig = {
    region: conn.region,
    forcePathStyle: conn.path_style,
    credentials: credentialsFor(conn),
    maxAttempts: 3,
    requestHandler: new TimeoutHandler(conn.timeout_ms),
    // The SDK's own warnings would go to the console (stderr), where the CLI promises one error
    // line; failures reach the caller as errors anyway.
    logger: SILENT_LOGGER,
  };
  if (endpoint !== undefined) {
    config.endpoint = endpoint;
    // S3-compatible servers commonly reject the SDK's default streaming checksum trailers (RGW: 411).
    config.requestChecksumCalculation = "WHEN_REQUIRED";
    config.responseChecksumValidation = "WHEN_REQUIRED";
  }
  return config;
}

const SILENT_LOGGER = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Connections per client (the SDK's default is 50). */
const SOCKETS = 256;
/** Request bodies up to this size go out at once; a larger upload is bounded by inactivity only. */
const SMALL_BODY_BYTES = 64 * 1024;
/** A large body is handed to the socket in slices this big, so that its progress can be watched. */
const UPLOAD_SLICE_BYTES = 64 * 1024;

type HttpRequest = Parameters<NodeHttpHandler["handle"]>[0];

/**
 * S3_TIMEOUT bounds connecting, any silence on the socket (a transfer that keeps moving is never cut
 * off, a stalled one is), and, for requests without a large body, the wait for the response head, so
 * a server that trickles its answer a byte at a time is cut off too. (smithy's `requestTimeout` alone
 * only logs a warning: a server that never answered used to hang the call for ever.)
 *
 * A large upload is watched by its own progress: the socket's idle timer does not fire while writes
 * are blocked (a server that stops reading a part held the upload for ever under Bun), so the body
 * goes out in slices, and when no slice has been taken for S3_TIMEOUT before the response head
 * arrives, the request fails with a TimeoutError, which the SDK retries like any other timeout.
 */
class TimeoutHandler extends NodeHttpHandler {
  constructor(private readonly timeoutMs: number) {
    super({
      connectionTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
      // Connections are kept alive and reused (the SDK's default agent); up to SOCKETS at once, so that
      // a bulk command's --concurrency (at most 256) never queues requests inside the agent, where
      // the wait for a free socket would count against the request's timeouts.
      httpAgent: { keepAlive: true, maxSockets: SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: SOCKETS },
    });
  }

  override handle(request: HttpRequest, options: HttpHandlerOptions = {}) {
    const body: unknown = request.body;
    const small =
      body === undefined ||
      body === null ||
      (typeof body === "string" && body.length <= SMALL_BODY_BYTES) ||
      (body instanceof Uint8Array && body.byteLength <= SMALL_BODY_BYTES);
    if (small) return super.handle(request, { ...options, requestTimeout: this.timeoutMs });
    if (body instanceof Uint8Array || body instanceof Readable)
      return this.#watchedUpload(request, body, options);
    return super.handle(request, { ...options, requestTimeout: 0 });
  }

  async #watchedUpload(request: HttpRequest, source: Uint8Array | Readable, options: HttpHandlerOptions) {
    const stop = new AbortController();
    const outer = options.abortSignal as AbortSignal | undefined;
    const onOuter = () => stop.abort(outer?.reason);
    if (outer?.aborted) onOuter();
    else outer?.addEventListener("abort", onOuter, { once: true });
    let lastProgress = Date.now();
    let fail: (e: unknown) => void = () => {};
    const stalled = new Promise<never>((_, reject) => {
      fail = (e) => {
        reject(e);
        stop.abort();
      };
    });
    const slices = async function* () {
      try {
        for await (const chunk of source instanceof Uint8Array ? [source] : source) {
          const bytes = chunk as Uint8Array;
          for (let at = 0; at < bytes.byteLength; at += UPLOAD_SLICE_BYTES) {
            lastProgress = Date.now();
            yield bytes.subarray(at, at + UPLOAD_SLICE_BYTES);
          }
        }
      } catch (e) {
        // A body that fails (a refusal while streaming, a read error) fails the request with its
        // own error; piping alone would leave the request waiting for the rest of the body.
        fail(e);
        throw e;
      }
    };
    // The request is copied, not changed: a retry of a byte body starts again from its first byte.
    const body = Readable.from(slices(), { objectMode: false, highWaterMark: UPLOAD_SLICE_BYTES });
    const sent: HttpRequest = Object.assign(Object.create(Object.getPrototypeOf(request)), request, { body });
    const timer = setInterval(
      () => {
        if (Date.now() - lastProgress <= this.timeoutMs) return;
        fail(
          Object.assign(new Error(`the upload made no progress for ${this.timeoutMs} ms`), {
            name: "TimeoutError",
            code: "ETIMEDOUT",
          }),
        );
      },
      Math.max(50, Math.min(1000, this.timeoutMs / 4)),
    );
    const answered = super.handle(sent, { ...options, abortSignal: stop.signal, requestTimeout: 0 });
    try {
      return await Promise.race([answered, stalled]);
    } finally {
      clearInterval(timer);
      outer?.removeEventListener("abort", onOuter);
      // A request that ended early leaves its source unread: close it (a file's descriptor).
      body.destroy();
      // Whichever lost the race must not surface later as an unhandled rejection.
      answered.catch(() => {});
      stalled.catch(() => {});
    }
  }
}

/** Explicit keys, else the connection's own profile, else the AWS default chain. Never another connection's keys. */
function credentialsFor(conn: Connection): NonNullable<S3ClientConfig["credentials"]> {
  if (conn.access_key_id !== undefined && conn.secret_access_key !== undefined) {
    return {
      accessKeyId: conn.access_key_id,
      secretAccessKey: conn.secret_access_key,
      ...(conn.session_token === undefined ? {} : { sessionToken: conn.session_token }),
    };
  }
  if (conn.profile !== undefined)
    return lazyProvider(async () =>
      (await import("@aws-sdk/credential-providers")).fromIni({ profile: conn.profile as string }),
    );
  return lazyProvider(async () => (await import("@aws-sdk/credential-providers")).fromNodeProviderChain());
}

/** Loads the credential-providers package only when a request first needs credentials. */
function lazyProvider(load: () => Promise<AwsCredentialIdentityProvider>): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async (options) => {
    provider ??= load();
    return (await provider)(options);
  };
}
