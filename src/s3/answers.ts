// Whether an HTTP answer came from S3 at all. A web server, a storage console or a proxy at the
// configured endpoint also answers, and the SDK reads its HTML 404 as "no such key" and its HTML 200
// as an empty listing. S3 marks every answer: AWS S3, Ceph RGW and MinIO send `x-amz-request-id`
// (on HEAD answers too, which have no body), and every error body is XML; the embedded s3rver sends
// no `x-amz-` header but answers every error, HEAD included, as application/xml.
import type { DeserializeMiddleware, HttpResponse, MetadataBearer } from "@smithy/types";

export interface AnswerHeaders {
  readonly headers?: Readonly<Record<string, string | undefined>> | undefined;
}

/** S3's marks on an answer: an `x-amz-*` header, or an XML body. */
export function answeredByS3(response: AnswerHeaders | undefined): boolean {
  return hasAmzHeader(response) || isXml(contentTypeOf(response));
}

/**
 * A successful answer that is a web page: a content type other than XML and no `x-amz-*` header.
 * (An answer without any content type is given the benefit of the doubt: minimal S3 servers exist.)
 */
export function isWebPage(response: AnswerHeaders | undefined): boolean {
  const type = contentTypeOf(response);
  return type !== undefined && type !== "" && !isXml(type) && !hasAmzHeader(response);
}

function hasAmzHeader(response: AnswerHeaders | undefined): boolean {
  return Object.keys(response?.headers ?? {}).some((n) => n.toLowerCase().startsWith("x-amz-"));
}

/**
 * A successful HEAD of an object: S3 always sends the object's ETag. A web server answering 200 to
 * anything (a dynamic page has no ETag) would otherwise pass for an empty object. Only an answer
 * with neither an ETag nor an `x-amz-` header is refused.
 */
export function isObjectHead(response: AnswerHeaders | undefined): boolean {
  const names = Object.keys(response?.headers ?? {}).map((n) => n.toLowerCase());
  return names.includes("etag") || hasAmzHeader(response);
}

function isXml(contentType: string | undefined): boolean {
  return /xml/i.test(contentType ?? "");
}

export function contentTypeOf(response: AnswerHeaders | undefined): string | undefined {
  const headers = response?.headers ?? {};
  const name = Object.keys(headers).find((n) => n.toLowerCase() === "content-type");
  const value = name === undefined ? undefined : headers[name];
  // The server's words: one short line of printable characters, never more.
  return value === undefined
    ? undefined
    : value
        .replace(/[^\x20-\x7e]/g, "")
        .slice(0, 60)
        .trim();
}

/** The name of the error thrown for a successful answer that is not S3's (a web page read as a listing). */
export const NOT_S3_ANSWER = "NotS3Answer";

/**
 * Operations whose successful answer is an XML document. A 2xx answer to one of them without S3's
 * marks is a web page, which the SDK would parse as an empty result (no buckets, no keys). Object
 * reads are left alone: their body is the object, whatever its type (but see isObjectHead).
 */
const XML_ANSWERS: ReadonlySet<string> = new Set([
  "ListBucketsCommand",
  "ListObjectsV2Command",
  "ListObjectsCommand",
  "ListObjectVersionsCommand",
  "ListMultipartUploadsCommand",
  "ListPartsCommand",
  "CopyObjectCommand",
  "UploadPartCopyCommand",
  "CreateMultipartUploadCommand",
  "CompleteMultipartUploadCommand",
  "DeleteObjectsCommand",
  "GetBucketLocationCommand",
]);

/**
 * A deserialize-step middleware for every client: a successful answer to an XML operation that
 * carries none of S3's marks fails with a NotS3Answer error (mapped in src/s3/errors.ts), instead of
 * passing for an empty listing.
 */
export const rejectNonS3Answers: DeserializeMiddleware<object, MetadataBearer> = (next, context) => {
  return async (args) => {
    const result = await next(args);
    const response = result.response as Partial<HttpResponse> | undefined;
    const status = response?.statusCode;
    const command = context.commandName ?? "";
    const success = status !== undefined && status >= 200 && status < 300;
    if (
      success &&
      ((XML_ANSWERS.has(command) && isWebPage(response)) ||
        (command === "HeadObjectCommand" && !isObjectHead(response)))
    ) {
      throw Object.assign(new Error("the answer carries none of S3's marks"), {
        name: NOT_S3_ANSWER,
        $metadata: { httpStatusCode: status },
        $response: response,
      });
    }
    return result;
  };
};
