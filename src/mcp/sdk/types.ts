// @modelcontextprotocol/sdk/types.js, typed for Deno too (see ./README.md).
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/types.d.ts"
export * from "@modelcontextprotocol/sdk/types.js";
