// Consent over MCP (SPEC §5.1): an `elicitation/create` request in form mode naming the exact
// operation, with one boolean field. Only "accept" with the box ticked is a yes; decline, cancel,
// anything else is a no. A client that did not declare form elicitation cannot be asked: the
// operation layer then refuses with ConsentRequired, never a silent allow.

import type { ConsentAnswer, ConsentAsker, ConsentRequest } from "../ops/index.ts";
import type { RequestExtra } from "./progress.ts";
import type { Server } from "./sdk/server-index.ts";

/** A consent asker bound to one request: the question travels with it (relatedRequestId). */
export function elicitingAsker(server: Server, extra: Pick<RequestExtra, "requestId">): ConsentAsker {
  const canAsk = () => server.getClientCapabilities()?.elicitation?.form !== undefined;
  return {
    async ask(request) {
      if (!canAsk()) return "unavailable";
      const result = await server.elicitInput(consentForm(request), {
        relatedRequestId: extra.requestId,
        signal: request.signal,
        // The operation layer's own timer decides; the SDK's must not fire first.
        timeout: request.timeoutMs + 5_000,
      });
      return answerOf(result.action, result.content);
    },
    unavailable(request) {
      const classes = request.classes.join(", ");
      return canAsk()
        ? {
            reason: "the MCP client could not be asked (the elicitation request failed)",
            hint: `try again; if it keeps failing, ask an administrator whether ${classes} should need consent (MCP_S3_CONFIRM / policy.confirm)`,
          }
        : {
            reason: "this MCP client does not support elicitation (form mode), so no one can be asked",
            hint: `use an MCP client that supports elicitation, or ask an administrator to remove ${classes} from confirm (MCP_S3_CONFIRM / policy.confirm); do not try another way around it`,
          };
    },
  };
}

export function consentForm(request: ConsentRequest) {
  return {
    mode: "form" as const,
    message: `mcp-s3 asks for your consent before it runs this operation:\n${request.description}\nAllow it?`,
    requestedSchema: {
      type: "object" as const,
      properties: {
        confirm: {
          type: "boolean" as const,
          title: "Allow this operation",
          description: request.description,
          default: false,
        },
      },
      required: ["confirm"],
    },
  };
}

export function answerOf(action: string, content: Record<string, unknown> | undefined): ConsentAnswer {
  return action === "accept" && content?.confirm === true ? "accepted" : "declined";
}
