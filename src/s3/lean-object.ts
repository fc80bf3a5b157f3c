// GetObject and HeadObject without the SDK's per-request middleware. A tree of 10,000 small objects
// is 10,000 GETs and an MCP read is a HEAD and a GET; the middleware (serialising, endpoint rules,
// user agent, retry bookkeeping, deserialising) cost about 200 µs of CPU per request, more than the
// request itself (bench/NOTES.md §8b). What makes a request right is still the SDK's: the client's
// endpoint resolution, its signer (credentials, region, clock offset) and its request handler
// (S3_TIMEOUT, the native body). Only a plain success is answered here. Anything else (an error
// status, a redirect, a connection that failed) is sent again through the SDK as its second attempt,
// so its retries and its errors stay the one story. Where this path does not apply (an endpoint
// that needs another kind of signature, response checksums the client would validate) the SDK
// sends the request from the start.
import type { GetObjectCommandOutput, HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { getEndpointFromInstructions } from "@smithy/core/endpoints";
import type { EndpointV2, HttpRequest, HttpResponse } from "@smithy/types";
import { isObjectHead } from "./answers.ts";
import { discardBody } from "./body.ts";
import { afterFirstAttempt } from "./clients.ts";

export interface ObjectInput {
  readonly Bucket: string;
  readonly Key: string;
}

export interface GetInput extends ObjectInput {
  readonly Range?: string | undefined;
  readonly IfMatch?: string | undefined;
}

/** The fields of the SDK's outputs the operations read, parsed from the headers as the SDK does. */
export type HeadOutput = Pick<
  HeadObjectCommandOutput,
  "ContentLength" | "ContentType" | "LastModified" | "ETag" | "Metadata"
>;
export type GetOutput = HeadOutput & Pick<GetObjectCommandOutput, "Body" | "ContentRange">;

/**
 * GetObject: a plain success (200, 206) from the request sent here, else the same request through
 * the SDK. Throws what the SDK throws, or the abort of `abortSignal`.
 */
export async function sendGetObject(
  client: S3Client,
  input: GetInput,
  abortSignal?: AbortSignal,
): Promise<GetOutput> {
  const extra: Record<string, string> = {};
  if (input.Range !== undefined) extra.range = input.Range;
  if (input.IfMatch !== undefined) extra["if-match"] = input.IfMatch;
  const first = await attempt(client, "GET", input, extra, abortSignal);
  const fields = first.response === undefined ? undefined : outputOf(first.response);
  if (
    first.response !== undefined &&
    fields !== undefined &&
    [200, 206].includes(first.response.statusCode)
  ) {
    return {
      ...fields,
      Body: first.response.body,
      ContentRange: headerValue(first.response, "content-range"),
    };
  }
  discardBody(first.response?.body);
  return throughSdk(
    client,
    first.sent,
    (sdk, options) => sdk.send(new GetObjectCommand(input), options),
    abortSignal,
  );
}

/**
 * HeadObject: a 200 that carries S3's marks (an ETag or an `x-amz-` header, as src/s3/answers.ts asks
 * of the SDK's answer) from the request sent here, else the same request through the SDK.
 */
export async function sendHeadObject(
  client: S3Client,
  input: ObjectInput,
  abortSignal?: AbortSignal,
): Promise<HeadOutput> {
  const first = await attempt(client, "HEAD", input, {}, abortSignal);
  discardBody(first.response?.body);
  const fields = first.response === undefined ? undefined : outputOf(first.response);
  if (first.response?.statusCode === 200 && isObjectHead(first.response) && fields !== undefined)
    return fields;
  return throughSdk(
    client,
    first.sent,
    (sdk, options) => sdk.send(new HeadObjectCommand(input), options),
    abortSignal,
  );
}

/** The SHA-256 of an empty body: the payload hash of a GET or HEAD, signed as the SDK signs it. */
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

/** Where a bucket's objects are and how they are signed. */
interface Route {
  readonly url: URL;
  readonly scheme: SigningScheme;
  readonly signer: RequestSigner;
}

interface Attempt {
  /** The answer, whatever its status; undefined when no answer came. */
  readonly response?: HttpResponse;
  /** Whether a request went out (this path applied), answered or not. */
  readonly sent: boolean;
}

/** The request through the SDK: its second attempt when the first went out here. */
async function throughSdk<T>(
  client: S3Client,
  firstSent: boolean,
  send: (sdk: S3Client, options: { abortSignal?: AbortSignal }) => Promise<T>,
  abortSignal: AbortSignal | undefined,
): Promise<T> {
  const sdk = firstSent ? afterFirstAttempt(client) : client;
  try {
    return await send(sdk, abortSignal === undefined ? {} : { abortSignal });
  } catch (e) {
    // The SDK's error names the attempts it made; the one made here is added.
    const meta = (e as { $metadata?: { attempts?: unknown } } | null)?.$metadata;
    if (firstSent && sdk !== client && typeof meta?.attempts === "number") meta.attempts += 1;
    throw e;
  }
}

async function attempt(
  client: S3Client,
  method: "GET" | "HEAD",
  input: ObjectInput,
  extra: Record<string, string>,
  abortSignal: AbortSignal | undefined,
): Promise<Attempt> {
  const route = await routeFor(client, input.Bucket);
  const config = client.config as unknown as LeanConfig;
  if (route === null || config.requestHandler === undefined) return { sent: false };
  const request = {
    protocol: route.url.protocol,
    hostname: route.url.hostname,
    ...(route.url.port === "" ? {} : { port: Number(route.url.port) }),
    method,
    path: `${route.url.pathname.replace(/\/$/, "")}/${keyPath(input.Key)}`,
    query: { "x-id": method === "GET" ? "GetObject" : "HeadObject" },
    headers: { host: route.url.host, "x-amz-content-sha256": EMPTY_SHA256, ...extra },
  } as HttpRequest;
  try {
    const signed = await route.signer.sign(request, {
      signingDate: new Date(Date.now() + (config.systemClockOffset ?? 0)),
      ...(route.scheme.signingRegion === undefined ? {} : { signingRegion: route.scheme.signingRegion }),
      ...(route.scheme.signingName === undefined ? {} : { signingService: route.scheme.signingName }),
    });
    const { response } = await config.requestHandler.handle(signed, abortSignal ? { abortSignal } : {});
    return { response, sent: true };
  } catch (e) {
    if (abortSignal?.aborted) throw e;
    return { sent: true };
  }
}

const routes = new WeakMap<S3Client, Map<string, Promise<Route | null>>>();

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
  // The SDK's own endpoint rules for this bucket (an object's endpoint depends on the bucket only).
  const endpoint: EndpointV2 = await getEndpointFromInstructions(
    { Bucket: bucket, Key: "" },
    GetObjectCommand as unknown as Parameters<typeof getEndpointFromInstructions>[1],
    client.config as unknown as Parameters<typeof getEndpointFromInstructions>[2],
  );
  const scheme = ((endpoint.properties?.authSchemes ?? []) as SigningScheme[])[0];
  const extraHeaders = Object.keys(endpoint.headers ?? {}).length > 0;
  if (scheme?.name !== "sigv4" || extraHeaders) return null;
  const url = new URL(endpoint.url.href);
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "") return null;
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

/**
 * The output fields as the SDK's deserialiser reads them from the headers; undefined when one of
 * them would not parse (the SDK then reads the answer itself and says what is wrong with it).
 */
function outputOf(response: HttpResponse): HeadOutput | undefined {
  const out: { -readonly [K in keyof HeadOutput]: HeadOutput[K] } = { Metadata: {} };
  for (const [name, value] of Object.entries(response.headers)) {
    const n = name.toLowerCase();
    if (n === "content-length") {
      if (!/^\d+$/.test(value)) return undefined;
      out.ContentLength = Number(value);
    } else if (n === "last-modified") {
      out.LastModified = new Date(value);
      if (Number.isNaN(out.LastModified.getTime())) return undefined;
    } else if (n === "content-type") out.ContentType = value;
    else if (n === "etag") out.ETag = value;
    else if (n.startsWith("x-amz-meta-") && out.Metadata !== undefined) {
      out.Metadata[n.slice("x-amz-meta-".length)] = value;
    }
  }
  return out;
}

function headerValue(response: HttpResponse, name: string): string | undefined {
  for (const [k, v] of Object.entries(response.headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}
