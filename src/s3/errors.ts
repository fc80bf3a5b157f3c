// Turns whatever the SDK or the network threw into one of our typed errors. Messages are built
// from codes and statuses we know, never by echoing request details that could carry secrets.
import { formatDuration } from "../config/values.ts";
import { type ErrorCode, isS3ToolError, S3ToolError, scrubMessage } from "../errors.ts";
import { type AnswerHeaders, answeredByS3, contentTypeOf, NOT_S3_ANSWER } from "./answers.ts";

interface SdkLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $response?: AnswerHeaders;
  $fault?: string;
  /** Set by Node on system errors: the address and port a connection was refused at, the host not found. */
  address?: string;
  port?: number;
  hostname?: string;
}

const BY_NAME: Readonly<Record<string, ErrorCode>> = {
  NoSuchKey: "NoSuchKey",
  NotFound: "NoSuchKey",
  NoSuchVersion: "NoSuchKey",
  NoSuchBucket: "NoSuchBucket",
  AccessDenied: "AccessDenied",
  Forbidden: "AccessDenied",
  InvalidAccessKeyId: "AccessDenied",
  SignatureDoesNotMatch: "AccessDenied",
  ExpiredToken: "AccessDenied",
  InvalidToken: "AccessDenied",
  AllAccessDisabled: "AccessDenied",
  // The SDK found no credentials for the connection and sent nothing.
  CredentialsProviderError: "NoCredentials",
  InvalidBucketName: "InvalidBucketName",
  EntityTooLarge: "EntityTooLarge",
  InvalidArgument: "InvalidArgument",
  InvalidRange: "InvalidArgument",
  KeyTooLongError: "InvalidArgument",
  InvalidObjectName: "InvalidArgument",
  MetadataTooLarge: "InvalidArgument",
  // An abort signal fired: the caller cancelled (our own timeouts are TimeoutErrors).
  AbortError: "Cancelled",
  TimeoutError: "Timeout",
  RequestTimeout: "Timeout",
  RequestTimeoutException: "Timeout",
  ETIMEDOUT: "Timeout",
  SlowDown: "ServiceUnavailable",
  ServiceUnavailable: "ServiceUnavailable",
  ECONNREFUSED: "ServiceUnavailable",
  ECONNRESET: "ServiceUnavailable",
  ENOTFOUND: "ServiceUnavailable",
  EAI_AGAIN: "ServiceUnavailable",
  EPIPE: "ServiceUnavailable",
  ConnectionRefused: "ServiceUnavailable",
  InternalError: "InternalError",
};

/** Network failures that have a message of their own (which endpoint, what went wrong there). */
type NetworkFailure = "refused" | "no-host" | "reset" | "tls";

const NETWORK: Readonly<Record<string, NetworkFailure>> = {
  ECONNREFUSED: "refused",
  // Deno's name for it.
  ConnectionRefused: "refused",
  ENOTFOUND: "no-host",
  EAI_AGAIN: "no-host",
  EAI_NONAME: "no-host",
  EAI_FAIL: "no-host",
  ECONNRESET: "reset",
  EPIPE: "reset",
  EPROTO: "tls",
  DEPTH_ZERO_SELF_SIGNED_CERT: "tls",
  SELF_SIGNED_CERT_IN_CHAIN: "tls",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "tls",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "tls",
  CERT_HAS_EXPIRED: "tls",
};

function networkFailure(err: SdkLikeError): NetworkFailure | undefined {
  for (const n of [err.code, err.name]) {
    if (n === undefined) continue;
    const kind = NETWORK[n];
    if (kind !== undefined) return kind;
    if (n.startsWith("ERR_SSL_") || n.startsWith("ERR_TLS_")) return "tls";
  }
  return undefined;
}

const CHECK_ENDPOINT = "check the connection's endpoint (S3_ENDPOINT, or endpoint: in its configuration)";

const HINTS: Partial<Record<ErrorCode, string>> = {
  NoSuchKey: "check the key (keys are case-sensitive); list the prefix to see what exists",
  NoSuchBucket: "check the bucket name; s3_list_buckets / `mcp-s3 buckets` shows the buckets you can see",
  AccessDenied: "the credentials of this connection are wrong or lack permission for this request",
  NoCredentials:
    "give the connection credentials: access_key_id and secret_access_key (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the default connection), a profile (profile: or AWS_PROFILE) in ~/.aws/credentials or ~/.aws/config, or run where SSO, a container role or an instance role provides them",
  Timeout: `raise S3_TIMEOUT (or the connection's timeout:) if the server is just slow; else ${CHECK_ENDPOINT} and that the server is up`,
  // Only S3's own answers get here (503 SlowDown, 503 ServiceUnavailable): the network failures and
  // answers from something that is not S3 have hints of their own (NETWORK_HINTS, notS3Hint).
  ServiceUnavailable: "the S3 service is overloaded or briefly down; try again later",
  InternalError: "the S3 endpoint failed; try again later",
};

function networkHint(kind: NetworkFailure, context: ErrorContext): string {
  // AWS itself (no endpoint configured): nothing to check in the configuration but the region.
  const aws = context.target !== undefined && context.target.endpoint === undefined;
  switch (kind) {
    case "refused":
      return aws
        ? "check this machine's network access to AWS (a proxy or firewall may be in the way)"
        : `${CHECK_ENDPOINT}, and that the S3 server is running and listens on that host and port`;
    case "no-host":
      return aws
        ? "check this machine's DNS and network access to AWS, and the region (AWS_REGION or region:)"
        : `${CHECK_ENDPOINT} for a misspelt host name, and this machine's DNS`;
    case "reset":
      return "the server or a proxy on the way closed the connection; try again, and check the endpoint if it goes on";
    case "tls":
      return `a secure connection could not be set up: for a server without TLS write the endpoint with http://; for a self-signed certificate, make its CA trusted (NODE_EXTRA_CA_CERTS); ${CHECK_ENDPOINT}`;
  }
}

/** What a network failure needs to name its cause: the connection's endpoint and timeout. */
export interface EndpointTarget {
  /** Absent for AWS itself. */
  readonly endpoint?: string | undefined;
  readonly region: string;
  readonly timeout_ms: number;
}

export interface ErrorContext {
  readonly bucket?: string | undefined;
  readonly key?: string | undefined;
  readonly connection?: string | undefined;
  /** The connection's endpoint settings: network failures name the endpoint and the timeout. */
  readonly target?: EndpointTarget | undefined;
  /** The caller's signal: once it has fired, whatever the SDK made of the abort is a cancellation. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Maps anything thrown to a typed error. The original failure is kept as the error's cause, for
 * the diagnostic log only.
 */
export function toS3ToolError(e: unknown, context: ErrorContext = {}): S3ToolError {
  if (isS3ToolError(e)) return e;
  const err = (e ?? {}) as SdkLikeError;
  const status = err.$metadata?.httpStatusCode;
  const keep = { cause: e };
  // A request cut short by the caller's signal fails in many ways (a reset socket, a destroyed body).
  if (context.signal?.aborted === true) {
    const reason: unknown = context.signal.reason;
    // A deadline (HTTP's per-call timeout) aborts with a TimeoutError reason: that is a timeout.
    if (isTimeout(reason)) {
      return new S3ToolError(
        "Timeout",
        `request timed out${where(context)}: ${scrubMessage(String((reason as { message?: unknown }).message ?? ""), 120) || "the call exceeded its deadline"} (http.call_timeout)`,
        "the call took longer than the server allows one call (http.call_timeout): read a smaller part, or ask the administrator to raise it",
        keep,
      );
    }
    return new S3ToolError("Cancelled", `cancelled${where(context)}`, "", keep);
  }
  if (isNotS3Answer(err, status)) {
    // Something other than S3 answered at the endpoint (a web server, a console, a proxy whose S3 is
    // down). It is not "no such key": nothing said so. ServiceUnavailable, not InternalError: no S3
    // service answered at that address, as when nothing listens there at all; InternalError would
    // claim that S3 failed while handling the request.
    return new S3ToolError(
      "ServiceUnavailable",
      notS3Message(err, status as number, context),
      notS3Hint(status as number),
      keep,
    );
  }
  const network = networkFailure(err);
  if (network !== undefined) {
    return new S3ToolError(
      "ServiceUnavailable",
      networkMessage(network, err, context),
      networkHint(network, context),
      keep,
    );
  }
  // The specific code first: the SDK renames connection resets (ECONNRESET, EPIPE) to "TimeoutError".
  const name = [err.Code, err.code, err.name].find((n) => n !== undefined && BY_NAME[n] !== undefined);
  let code: ErrorCode = name === undefined ? byStatus(status) : (BY_NAME[name] as ErrorCode);
  // HEAD answers 404 without a body, so the SDK cannot tell a missing bucket from a missing key.
  if (code === "NoSuchKey" && context.key === undefined) code = "NoSuchBucket";
  return new S3ToolError(code, describe(code, err, status, context), hintFor(code, context), keep);
}

/**
 * An answer that is not S3's: an error status without S3's marks (no S3 error code in the body,
 * no `x-amz-` header, no XML; a HEAD answer has no body, so the headers decide), or a web page
 * answering a listing (src/s3/answers.ts).
 */
function isNotS3Answer(err: SdkLikeError, status: number | undefined): boolean {
  if (status === undefined) return false;
  if (err.name === NOT_S3_ANSWER) return true;
  return (
    status >= 300 && err.Code === undefined && err.$response !== undefined && !answeredByS3(err.$response)
  );
}

function notS3Message(err: SdkLikeError, status: number, context: ErrorContext): string {
  const type = contentTypeOf(err.$response);
  const answered = `${endpointLabel(context)} answered HTTP ${status} (${type ? `content type ${type}` : "no content type"})`;
  const what = `${answered}${status < 300 ? ", which is not an S3 answer" : " without an S3 error"}${where(context)}`;
  if (status >= 300 && status < 400) return `${what}: it redirects elsewhere`;
  if (status === 502 || status === 503 || status === 504) {
    return `${what}: a proxy or gateway answered, the S3 service behind it may be down`;
  }
  return `${what}: it does not look like an S3 endpoint`;
}

function notS3Hint(status: number): string {
  if (status >= 300 && status < 400) {
    return `S3 endpoints do not redirect: ${CHECK_ENDPOINT}, its scheme (https:// rather than http://?) and host`;
  }
  if (status === 502 || status === 503 || status === 504) {
    return "check that the S3 service behind the proxy is running, then try again";
  }
  return `${CHECK_ENDPOINT}: it must be the address of the S3 API, not of a web site or a console`;
}

function networkMessage(kind: NetworkFailure, err: SdkLikeError, context: ErrorContext): string {
  const endpoint = endpointLabel(context);
  const tail = `${attempts(err)}${where(context)}`;
  switch (kind) {
    case "refused": {
      const at =
        typeof err.address === "string" && typeof err.port === "number"
          ? ` at ${err.address.includes(":") ? `[${err.address}]` : err.address}:${err.port}`
          : " there";
      return `cannot connect to ${endpoint}: connection refused, nothing listens${at}${tail}`;
    }
    case "no-host": {
      const host = typeof err.hostname === "string" ? err.hostname : hostOf(context);
      const why = err.code === "EAI_AGAIN" ? "a temporary DNS failure" : "no such host";
      return `cannot connect to ${endpoint}: the host ${host === undefined ? "name" : JSON.stringify(host)} was not found (${why})${tail}`;
    }
    case "reset":
      return `the connection to ${endpoint} was reset (${err.code ?? err.name ?? "reset"})${tail}`;
    case "tls":
      return `cannot connect to ${endpoint}: the TLS handshake failed (${safeName(err)})${tail}`;
  }
}

/** The endpoint as the user wrote it, without anything that could carry a secret (user info, query). */
function endpointLabel(context: ErrorContext): string {
  const target = context.target;
  if (target === undefined) return "the S3 endpoint";
  if (target.endpoint === undefined) return `AWS S3 (region ${target.region})`;
  try {
    const url = new URL(target.endpoint);
    return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  } catch {
    return "the S3 endpoint";
  }
}

function hostOf(context: ErrorContext): string | undefined {
  try {
    return context.target?.endpoint === undefined ? undefined : new URL(context.target.endpoint).hostname;
  } catch {
    return undefined;
  }
}

/** ", after 3 attempts": the SDK retries throttling, server errors and network failures. */
function attempts(err: SdkLikeError): string {
  const n = err.$metadata?.attempts;
  return typeof n === "number" && n > 0 ? `, after ${n} attempt${n === 1 ? "" : "s"}` : "";
}

function where(context: ErrorContext): string {
  return context.bucket === undefined
    ? ""
    : context.key === undefined
      ? ` (bucket ${JSON.stringify(context.bucket)})`
      : ` (s3://${context.bucket}/${context.key})`;
}

function hintFor(
  code: ErrorCode,
  context: { bucket?: string | undefined; key?: string | undefined },
): string {
  const hint = HINTS[code] ?? "";
  // A new user's first write on a fresh server: the bucket was never created.
  if (code === "NoSuchBucket" && context.bucket !== undefined && context.bucket !== "") {
    return `${hint}; to create it: mcp-s3 mb s3://${context.bucket}`;
  }
  // A key ending in "/" names a folder far more often than an object.
  if (code === "NoSuchKey" && context.key?.endsWith("/") === true) {
    return `a key ending in "/" is usually a folder: list it (s3_list_objects with prefix ${JSON.stringify(context.key)}, or mcp-s3 ls s3://${context.bucket}/${context.key})`;
  }
  return hint;
}

function byStatus(status: number | undefined): ErrorCode {
  if (status === 403) return "AccessDenied";
  if (status === 404) return "NoSuchKey";
  if (status === 400) return "InvalidArgument";
  if (status === 503 || status === 502 || status === 504) return "ServiceUnavailable";
  return "InternalError";
}

function describe(
  code: ErrorCode,
  err: SdkLikeError,
  status: number | undefined,
  context: ErrorContext,
): string {
  const at = where(context);
  switch (code) {
    case "NoSuchKey":
      return `no such key${at}`;
    case "NoSuchBucket":
      return `no such bucket${at}`;
    case "AccessDenied":
      return `access denied by S3${at}${err.name && err.name !== "AccessDenied" ? `: ${safeName(err)}` : ""}`;
    case "NoCredentials":
      return `no credentials found${context.connection === undefined ? "" : ` for connection ${JSON.stringify(context.connection)}`}; no request was sent`;
    case "Cancelled":
      return `cancelled${at}`;
    case "Timeout":
      return timeoutMessage(err, status, context);
    case "ServiceUnavailable": {
      // A HEAD answer has no body, so no S3 error code: the status is all S3 said.
      const said =
        status === undefined
          ? safeName(err)
          : err.Code === undefined
            ? `HTTP ${status}`
            : `${err.Code} (HTTP ${status})`;
      return `S3 endpoint unavailable${at}: ${said}${attempts(err)}`;
    }
    default:
      return `${safeName(err)}${status ? ` (HTTP ${status})` : ""}${at}${safeMessage(err)}`;
  }
}

/** Which limit ran out, its value, and how many attempts were made. */
function timeoutMessage(err: SdkLikeError, status: number | undefined, context: ErrorContext): string {
  const at = where(context);
  if (status !== undefined) {
    // S3's own limit (400 RequestTimeout): it stopped waiting for the request body.
    return `S3 stopped waiting for the request${at}: ${safeName(err)} (HTTP ${status})${attempts(err)}`;
  }
  const limit =
    context.target === undefined
      ? ""
      : `: no answer from ${endpointLabel(context)} within ${formatDuration(context.target.timeout_ms)} (the limit set by S3_TIMEOUT or the connection's timeout)`;
  return `request timed out${at}${limit}${attempts(err)}`;
}

function safeName(err: SdkLikeError): string {
  return err.Code ?? err.code ?? err.name ?? "error";
}

/** SDK messages are plain prose from the service; cut them short and drop anything URL-like (presigned bits). */
function safeMessage(err: SdkLikeError): string {
  const msg = scrubMessage(err.message ?? "", 200);
  return msg ? `: ${msg}` : "";
}

/** The reason a deadline (src/mcp/deadline.ts) aborts with. */
function isTimeout(reason: unknown): boolean {
  return (
    typeof reason === "object" && reason !== null && (reason as { name?: unknown }).name === "TimeoutError"
  );
}
