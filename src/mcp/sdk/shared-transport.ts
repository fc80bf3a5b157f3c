// @modelcontextprotocol/sdk/shared/transport.js, typed for Deno too (see ./README.md).
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/shared/transport.d.ts"
export * from "@modelcontextprotocol/sdk/shared/transport.js";
