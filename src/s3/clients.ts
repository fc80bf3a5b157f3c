// One S3 client per connection, each with its own credential source, created on first use so that
// starting up (and commands that never touch S3) stay fast.
import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import type { Config, Connection } from "../config/schema.ts";
import { S3ToolError } from "../errors.ts";
import { plainFetch } from "../runtime/index.ts";
import { rejectNonS3Answers } from "./answers.ts";
import { FetchHandler } from "./fetch-handler.ts";
import { NodeTimeoutHandler } from "./node-handler.ts";

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
      const config = clientConfig(conn, endpoint(conn));
      const created = withAnswerCheck(new S3Client(config));
      // The same client with one attempt fewer, for a request whose first attempt went out without
      // the SDK (src/s3/lean-object.ts): same handler (its connections), same credentials.
      let second: S3Client | undefined;
      afterFirst.set(created, () => {
        second ??= withAnswerCheck(
          new S3Client({
            ...config,
            maxAttempts: MAX_ATTEMPTS - 1,
            requestHandler: created.config.requestHandler,
            credentials: created.config.credentials,
          }),
        );
        return second;
      });
      client = created;
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

/** Attempts the SDK makes at one request (the first and two retries). */
export const MAX_ATTEMPTS = 3;

const afterFirst = new WeakMap<S3Client, () => S3Client>();

/**
 * The client to send a request whose first attempt was already made outside the SDK: the same
 * connection with MAX_ATTEMPTS - 1 attempts, so the request is still tried MAX_ATTEMPTS times in all.
 * A client not made by a pool is its own answer.
 */
export function afterFirstAttempt(client: S3Client): S3Client {
  return afterFirst.get(client)?.() ?? client;
}

/** A web page answering a listing must fail, not pass for an empty one (src/s3/answers.ts). */
function withAnswerCheck(client: S3Client): S3Client {
  client.middlewareStack.add(rejectNonS3Answers, { step: "deserialize", name: "rejectNonS3Answers" });
  return client;
}

export function clientConfig(conn: Connection, endpoint: string | undefined): S3ClientConfig {
  const config: S3ClientConfig = {
    region: conn.region,
    forcePathStyle: conn.path_style,
    credentials: credentialsFor(conn),
    maxAttempts: MAX_ATTEMPTS,
    requestHandler: requestHandler(conn.timeout_ms),
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

/**
 * Bun's native fetch where the runtime has it (bench/NOTES.md §8: a third of the CPU of a large
 * download), else node:http. Both apply S3_TIMEOUT the same way and report the same errors.
 */
function requestHandler(timeoutMs: number): NodeTimeoutHandler | FetchHandler {
  const nodeHandler = new NodeTimeoutHandler(timeoutMs);
  const fetch = plainFetch();
  return fetch === undefined ? nodeHandler : new FetchHandler(timeoutMs, fetch, nodeHandler);
}

const SILENT_LOGGER = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};

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
