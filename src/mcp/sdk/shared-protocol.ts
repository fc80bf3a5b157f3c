// @modelcontextprotocol/sdk/shared/protocol.js, typed for Deno too (see ./README.md).
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/protocol.d.ts"
export * from "@modelcontextprotocol/sdk/shared/protocol.js";
