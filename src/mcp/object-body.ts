// An object body read whole into memory for an MCP result (s3_get_object, resources/read), inside the
// process's read budget: the read reserves its size before the GET is sent (or, without size limits,
// before the body is read) and holds the reservation until its response has been written.
import { type GetObjectArgs, type GetObjectResult, getObject } from "../ops/index.ts";
import type { Lease } from "./read-budget.ts";
import type { ToolContext } from "./tool.ts";

export interface ObjectBody {
  readonly got: GetObjectResult;
  readonly bytes: Uint8Array;
  /** Gives the reservation back; call it once the result has been sent (AfterSend) or abandoned. */
  readonly release: () => void;
}

/** Streams the object into one buffer sized up front, so the body is copied once and never re-joined. */
export async function readObjectBody(
  ctx: ToolContext,
  args: Omit<GetObjectArgs, "admit">,
  tool?: string,
): Promise<ObjectBody> {
  let lease: Lease | undefined;
  let buffer: Uint8Array = new Uint8Array(0);
  let length = 0;
  const release = () => lease?.release();
  try {
    const got = await getObject(
      ctx.ops,
      {
        ...args,
        admit: async (bytes) => {
          lease = await ctx.readBudget.acquire(bytes, args.signal);
          buffer = new Uint8Array(bytes);
        },
      },
      (chunk) => {
        if (length + chunk.byteLength > buffer.byteLength) buffer = grow(buffer, length + chunk.byteLength);
        buffer.set(chunk, length);
        length += chunk.byteLength;
        // The network's chunk, copied out, is garbage now: collected in time, it is not a second body.
        ctx.readBudget.discarded(chunk.byteLength);
      },
      tool,
    );
    return { got, bytes: buffer.subarray(0, length), release };
  } catch (e) {
    release();
    throw e;
  }
}

/** Only when S3 sends more than it announced (an object replaced between HEAD and GET). */
function grow(buffer: Uint8Array, needed: number): Uint8Array {
  const out = new Uint8Array(Math.max(needed, buffer.byteLength * 2));
  out.set(buffer);
  return out;
}
