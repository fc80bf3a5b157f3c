// GetObject and HeadObject without the SDK's per-request middleware: a tree of 10,000 small objects
// is 10,000 GETs, and an MCP read is a HEAD and a GET; the middleware (serialising, endpoint rules,
// user agent, retry bookkeeping, deserialising) cost about 200 µs of CPU per request, more than the
// request itself (bench/NOTES.md §8b). What makes the request right is still the SDK's: the client's endpoint
// resolution, its signer (credentials, region, clock offset) and its request handler (S3_TIMEOUT,
// the native body). Only a plain success is answered here. Anything else (an error status, a
// redirect, a connection that failed, an endpoint that needs another kind of signature, response
// checksums the client would validate) gives undefined, and the caller sends the same request
// through the SDK: its retries and its errors stay the one story.
import type { HeadObjectCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { getEndpointFromInstructions } from "@smithy/core/endpoints";
import type { EndpointV2, HttpRequest, HttpResponse } from "@smithy/types";
import { discardBody } from "./body.ts";

export interface LeanGetInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly Range?: string | undefined;
  readonly IfMatch?: string | undefined;
}

/** The fields of the SDK's output the operations read, parsed from the headers as the SDK does. */
export type LeanHeadOutput = Pick<
  HeadObjectCommandOutput,
  "ContentLength" | "ContentType" | "LastModified" | "ETag" | "Metadata"
>;

export interface LeanGetOutput extends LeanHeadOutput {
  readonly Body: HttpResponse["body"];
  readonly ContentRange: string | undefined;
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
 * Sends a GetObject and returns its body when S3 answered 200 or 206; undefined when the caller
 * must send it through the SDK instead (see above). Throws only when `abortSignal` aborted it.
 */
export async function leanGetObject(
  client: S3Client,
  input: LeanGetInput,
  abortSignal?: AbortSignal,
): Promise<LeanGetOutput | undefined> {
  const headers: Record<string, string> = {};
  if (input.Range !== undefined) headers.range = input.Range;
  if (input.IfMatch !== undefined) headers["if-match"] = input.IfMatch;
  const response = await send(client, "GET", input, headers, abortSignal);
  if (response === undefined) return undefined;
  const fields = outputOf(response);
  if (fields === undefined || (response.statusCode !== 200 && response.statusCode !== 206)) {
    discardBody(response.body);
    return undefined;
  }
  return { ...fields, Body: response.body, ContentRange: headerValue(response.headers, "content-range") };
}

/**
 * Sends a HeadObject; its fields when S3 answered 200 with its marks (an ETag or an `x-amz-` header,
 * as src/s3/answers.ts asks of the SDK's HEAD), else undefined (the SDK then answers, or throws).
 */
export async function leanHeadObject(
  client: S3Client,
  input: { readonly Bucket: string; readonly Key: string },
  abortSignal?: AbortSignal,
): Promise<LeanHeadOutput | undefined> {
  const response = await send(client, "HEAD", input, {}, abortSignal);
  if (response === undefined) return undefined;
  discardBody(response.body);
  const marked = Object.keys(response.headers).some((n) => n.toLowerCase() === "etag" || /^x-amz-/i.test(n));
  return response.statusCode === 200 && marked ? outputOf(response) : undefined;
}

/** Signs and sends one request; undefined when this path does not apply or the request failed. */
async function send(
  client: S3Client,
  method: "GET" | "HEAD",
  input: { readonly Bucket: string; readonly Key: string },
  extra: Record<string, string>,
  abortSignal: AbortSignal | undefined,
): Promise<HttpResponse | undefined> {
  const route = await routeFor(client, input.Bucket);
  const config = client.config as unknown as LeanConfig;
  if (route === null || config.requestHandler === undefined) return undefined;
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
    return (await config.requestHandler.handle(signed, abortSignal ? { abortSignal } : {})).response;
  } catch (e) {
    if (abortSignal?.aborted) throw e;
    return undefined; // the SDK sends it again, with its retries and its errors
  }
}

/**
 * The output fields as the SDK's deserialiser reads them from the headers; undefined when one of
 * them would not parse (the SDK then reads the answer itself and says what is wrong with it).
 */
function outputOf(response: HttpResponse): LeanHeadOutput | undefined {
  let length: number | undefined;
  let lastModified: Date | undefined;
  let contentType: string | undefined;
  let etag: string | undefined;
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    const n = name.toLowerCase();
    if (n === "content-length") {
      if (!/^\d+$/.test(value)) return undefined;
      length = Number(value);
    } else if (n === "last-modified") {
      lastModified = new Date(value);
      if (Number.isNaN(lastModified.getTime())) return undefined;
    } else if (n === "content-type") contentType = value;
    else if (n === "etag") etag = value;
    else if (n.startsWith("x-amz-meta-")) metadata[n.slice("x-amz-meta-".length)] = value;
  }
  return {
    ContentLength: length,
    ContentType: contentType,
    LastModified: lastModified,
    ETag: etag,
    Metadata: metadata,
  };
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
