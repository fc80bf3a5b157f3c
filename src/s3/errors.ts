// Turns whatever the SDK or the network threw into one of our typed errors. Messages are built
// from codes and statuses we know, never by echoing request details that could carry secrets.
import { type ErrorCode, isS3ToolError, S3ToolError, scrubMessage } from "../errors.ts";

interface SdkLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
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

const HINTS: Partial<Record<ErrorCode, string>> = {
  NoSuchKey: "check the key (keys are case-sensitive); list the prefix to see what exists",
  NoSuchBucket: "check the bucket name; s3_list_buckets / `mcp-s3 buckets` shows the buckets you can see",
  AccessDenied: "the credentials of this connection are wrong or lack permission for this request",
  NoCredentials:
    "give the connection credentials: access_key_id and secret_access_key (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the default connection), a profile (profile: or AWS_PROFILE) in ~/.aws/credentials or ~/.aws/config, or run where SSO, a container role or an instance role provides them",
  Timeout: "the S3 endpoint did not answer in time; raise S3_TIMEOUT or the connection's timeout",
  ServiceUnavailable: "the S3 endpoint could not be reached or is overloaded; try again later",
  InternalError: "the S3 endpoint failed; try again later",
};

export interface ErrorContext {
  readonly bucket?: string | undefined;
  readonly key?: string | undefined;
  readonly connection?: string | undefined;
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
  // The specific code first: the SDK renames connection resets (ECONNRESET, EPIPE) to "TimeoutError".
  const name = [err.Code, err.code, err.name].find((n) => n !== undefined && BY_NAME[n] !== undefined);
  let code: ErrorCode = name === undefined ? byStatus(status) : (BY_NAME[name] as ErrorCode);
  // HEAD answers 404 without a body, so the SDK cannot tell a missing bucket from a missing key.
  if (code === "NoSuchKey" && context.key === undefined) code = "NoSuchBucket";
  // A request cut short by the caller's signal fails in many ways (a reset socket, a destroyed body).
  if (context.signal?.aborted === true) code = "Cancelled";
  return new S3ToolError(code, describe(code, err, status, context), hintFor(code, context), { cause: e });
}

function hintFor(code: ErrorCode, context: { bucket?: string | undefined }): string {
  const hint = HINTS[code] ?? "";
  // A new user's first write on a fresh server: the bucket was never created.
  if (code === "NoSuchBucket" && context.bucket !== undefined && context.bucket !== "") {
    return `${hint}; to create it: mcp-s3 mb s3://${context.bucket}`;
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
  const where =
    context.bucket === undefined
      ? ""
      : context.key === undefined
        ? ` (bucket ${JSON.stringify(context.bucket)})`
        : ` (s3://${context.bucket}/${context.key})`;
  switch (code) {
    case "NoSuchKey":
      return `no such key${where}`;
    case "NoSuchBucket":
      return `no such bucket${where}`;
    case "AccessDenied":
      return `access denied by S3${where}${err.name && err.name !== "AccessDenied" ? `: ${safeName(err)}` : ""}`;
    case "NoCredentials":
      return `no credentials found${context.connection === undefined ? "" : ` for connection ${JSON.stringify(context.connection)}`}; no request was sent`;
    case "Cancelled":
      return `cancelled${where}`;
    case "Timeout":
      return `request timed out${where}`;
    case "ServiceUnavailable":
      return `S3 endpoint unavailable${where}: ${safeName(err)}${status ? ` (HTTP ${status})` : ""}`;
    default:
      return `${safeName(err)}${status ? ` (HTTP ${status})` : ""}${where}${safeMessage(err)}`;
  }
}

function safeName(err: SdkLikeError): string {
  return err.Code ?? err.code ?? err.name ?? "error";
}

/** SDK messages are plain prose from the service; cut them short and drop anything URL-like (presigned bits). */
function safeMessage(err: SdkLikeError): string {
  const msg = scrubMessage(err.message ?? "", 200);
  return msg ? `: ${msg}` : "";
}
