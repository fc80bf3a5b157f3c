// Turns whatever the SDK or the network threw into one of our typed errors. Messages are built
// from codes and statuses we know, never by echoing request details that could carry secrets.
import { type ErrorCode, isS3ToolError, S3ToolError } from "../errors.ts";

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
  CredentialsProviderError: "AccessDenied",
  InvalidBucketName: "InvalidBucketName",
  EntityTooLarge: "EntityTooLarge",
  InvalidArgument: "InvalidArgument",
  InvalidRange: "InvalidArgument",
  KeyTooLongError: "InvalidArgument",
  InvalidObjectName: "InvalidArgument",
  MetadataTooLarge: "InvalidArgument",
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
  AccessDenied: "the credentials of this connection are missing, wrong or lack permission for this request",
  Timeout: "the S3 endpoint did not answer in time; raise S3_TIMEOUT or the connection's timeout",
  ServiceUnavailable: "the S3 endpoint could not be reached or is overloaded; try again later",
  InternalError: "the S3 endpoint failed; try again later",
};

export function toS3ToolError(
  e: unknown,
  context: { bucket?: string | undefined; key?: string | undefined } = {},
): S3ToolError {
  if (isS3ToolError(e)) return e;
  const err = (e ?? {}) as SdkLikeError;
  const status = err.$metadata?.httpStatusCode;
  // The specific code first: the SDK renames connection resets (ECONNRESET, EPIPE) to "TimeoutError".
  const name = [err.Code, err.code, err.name].find((n) => n !== undefined && BY_NAME[n] !== undefined);
  let code: ErrorCode = name === undefined ? byStatus(status, err) : (BY_NAME[name] as ErrorCode);
  // HEAD answers 404 without a body, so the SDK cannot tell a missing bucket from a missing key.
  if (code === "NoSuchKey" && context.key === undefined) code = "NoSuchBucket";
  return new S3ToolError(code, describe(code, err, status, context), hintFor(code, context));
}

function hintFor(code: ErrorCode, context: { bucket?: string | undefined }): string {
  const hint = HINTS[code] ?? "";
  // A new user's first write on a fresh server: the bucket was never created.
  if (code === "NoSuchBucket" && context.bucket !== undefined && context.bucket !== "") {
    return `${hint}; to create it: mcp-s3 mb s3://${context.bucket}`;
  }
  return hint;
}

function byStatus(status: number | undefined, err: SdkLikeError): ErrorCode {
  if (err.name === "AbortError") return "Timeout";
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
  context: { bucket?: string | undefined; key?: string | undefined },
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
  const msg = (err.message ?? "")
    .split("\n")[0]
    ?.replace(/\S*(?:https?:\/\/|X-Amz-)\S*/gi, "[url]")
    .slice(0, 200);
  return msg ? `: ${msg}` : "";
}
