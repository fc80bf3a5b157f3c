// GetObject without the SDK's per-request middleware, for downloads into files: a tree of 10,000
// small objects is 10,000 GETs, and the middleware (serialising, endpoint rules, user agent, retry
// bookkeeping, deserialising) cost about 200 µs of CPU per GET, more than the request itself
// (bench/NOTES.md §8 (p)). What makes the request right is still the SDK's: the client's endpoint
// resolution, its signer (credentials, region, clock offset) and its request handler (S3_TIMEOUT,
// the native body). Only a plain success is answered here. Anything else (an error status, a
// redirect, a connection that failed) is sent again through the SDK, as its second attempt: its
// retries and its errors stay the one story. Where this path does not apply (an endpoint that needs
// another kind of signature, response checksums the client would validate) the SDK sends it all.
import type { GetObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getEndpointFromInstructions } from "@smithy/core/endpoints";
import type { EndpointV2, HttpRequest, HttpResponse } from "@smithy/types";
import { discardBody } from "./body.ts";
import { afterFirstAttempt } from "./clients.ts";

export interface LeanGetInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly Range?: string | undefined;
  readonly IfMatch?: string | undefined;
}

export interface LeanGetOutput {
  readonly Body: HttpResponse["body"];
  readonly ContentLength: number | undefined;
}

/** The SHA-256 of an empty body: a GET's payload hash, signed like the SDK signs it. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

interface SigningScheme {
  readonly name?: string;
  readonly signingName?: string;
  readonly signingRegion?: string;
}

interface RequestSigner {
  sign(
    request: HttpRequest,
    options: { signingDate: Date; signingRegion?: string; signingService?: string },
  ): Promise<HttpRequest>;
}

/** The parts of the client's resolved configuration this path uses (all set by the S3 client). */
interface LeanConfig {
  readonly signer?: (scheme?: SigningScheme) => Promise<RequestSigner>;
  readonly systemClockOffset?: number;
  readonly responseChecksumValidation?: () => Promise<string>;
  readonly requestHandler?: {
    handle(
      request: HttpRequest,
      options?: { abortSignal?: AbortSignal },
    ): Promise<{ response: HttpResponse }>;
  };
}

/** Where a bucket's objects are and how they are signed, or null when this path does not apply. */
interface Route {
  readonly url: URL;
  readonly scheme: SigningScheme;
  readonly signer: RequestSigner;
}

const routes = new WeakMap<S3Client, Map<string, Promise<Route | null>>>();

/**
 * GetObject: a plain success from the request sent here, else the same request through the SDK
 * (its retries and errors). A first attempt that went out here counts as the SDK's first: the SDK
 * then makes the remaining ones (`afterFirstAttempt`), and its error counts them all.
 */
export async function sendGetObject(
  client: S3Client,
  input: LeanGetInput,
  abortSignal?: AbortSignal,
): Promise<Pick<GetObjectCommandOutput, "Body" | "ContentLength">> {
  const first = await attempt(client, input, abortSignal);
  if (first.output !== undefined) return first.output;
  const sdk = first.sent ? afterFirstAttempt(client) : client;
  try {
    return await sdk.send(new GetObjectCommand(input), abortSignal === undefined ? {} : { abortSignal });
  } catch (e) {
    if (first.sent && sdk !== client) countAttempt(e);
    throw e;
  }
}

/**
 * Sends a GetObject and returns its body when S3 answered 200 or 206; undefined when the caller
 * must send it through the SDK instead (see above). Throws only when `abortSignal` aborted it.
 */
export async function leanGetObject(
  client: S3Client,
  input: LeanGetInput,
  abortSignal?: AbortSignal,
): Promise<LeanGetOutput | undefined> {
  return (await attempt(client, input, abortSignal)).output;
}

interface Attempt {
  readonly output?: LeanGetOutput;
  /** Whether a request went out (a route applied), successful or not. */
  readonly sent: boolean;
}

async function attempt(client: S3Client, input: LeanGetInput, abortSignal?: AbortSignal): Promise<Attempt> {
  const route = await routeFor(client, input.Bucket);
  const config = client.config as unknown as LeanConfig;
  if (route === null || config.requestHandler === undefined) return { sent: false };
  const headers: Record<string, string> = { host: route.url.host, "x-amz-content-sha256": EMPTY_SHA256 };
  if (input.Range !== undefined) headers.range = input.Range;
  if (input.IfMatch !== undefined) headers["if-match"] = input.IfMatch;
  const request = {
    protocol: route.url.protocol,
    hostname: route.url.hostname,
    ...(route.url.port === "" ? {} : { port: Number(route.url.port) }),
    method: "GET",
    path: `${route.url.pathname.replace(/\/$/, "")}/${keyPath(input.Key)}`,
    query: { "x-id": "GetObject" },
    headers,
  } as HttpRequest;
  let response: HttpResponse;
  try {
    const signed = await route.signer.sign(request, {
      signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)),
      ...(route.scheme.signingRegion === undefined ? {} : { signingRegion: route.scheme.signingRegion }),
      ...(route.scheme.signingName === undefined ? {} : { signingService: route.scheme.signingName }),
    });
    ({ response } = await config.requestHandler.handle(signed, abortSignal ? { abortSignal } : {}));
  } catch (e) {
    if (abortSignal?.aborted) throw e;
    return { sent: true }; // the SDK sends it again, with its retries and its errors
  }
  if (response.statusCode !== 200 && response.statusCode !== 206) {
    discardBody(response.body);
    return { sent: true };
  }
  const length = headerValue(response.headers, "content-length");
  return {
    sent: true,
    output: { Body: response.body, ContentLength: length === undefined ? undefined : Number(length) },
  };
}

/** The SDK's error names the attempts it made; the one made here is added. */
function countAttempt(e: unknown): void {
  const meta = (e as { $metadata?: { attempts?: unknown } } | null)?.$metadata;
  if (meta !== undefined && typeof meta.attempts === "number") meta.attempts += 1;
}

function routeFor(client: S3Client, bucket: string): Promise<Route | null> {
  let byBucket = routes.get(client);
  if (byBucket === undefined) {
    byBucket = new Map();
    routes.set(client, byBucket);
  }
  let route = byBucket.get(bucket);
  if (route === undefined) {
    route = resolveRoute(client, bucket).catch(() => null);
    byBucket.set(bucket, route);
  }
  return route;
}

async function resolveRoute(client: S3Client, bucket: string): Promise<Route | null> {
  const config = client.config as unknown as LeanConfig;
  if (config.signer === undefined || config.requestHandler === undefined) return null;
  // A client that validates response checksums (AWS S3's default) keeps the SDK's path.
  if ((await config.responseChecksumValidation?.()) !== "WHEN_REQUIRED") return null;
  // The SDK's own endpoint rules for this bucket (GetObject's endpoint depends on the bucket only).
  const endpoint: EndpointV2 = await getEndpointFromInstructions(
    { Bucket: bucket, Key: "" },
    GetObjectCommand as unknown as Parameters<typeof getEndpointFromInstructions>[1],
    client.config as unknown as Parameters<typeof getEndpointFromInstructions>[2],
  );
  const schemes = (endpoint.properties?.authSchemes ?? []) as SigningScheme[];
  const scheme = schemes[0];
  const extraHeaders = Object.keys(endpoint.headers ?? {}).length > 0;
  if (scheme?.name !== "sigv4" || extraHeaders) return null;
  const url = new URL(endpoint.url.href);
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (url.search !== "") return null;
  return { url, scheme, signer: await config.signer(scheme) };
}

/** The key as the SDK puts it in the path: each segment URI-encoded (RFC 3986), slashes kept. */
export function keyPath(key: string): string {
  return key
    .split("/")
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join("/");
}

function headerValue(headers: HttpResponse["headers"], name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}
