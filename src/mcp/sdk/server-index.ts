// @modelcontextprotocol/sdk/server/index.js, typed for Deno too (see ./README.md).
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/index.d.ts"
export * from "@modelcontextprotocol/sdk/server/index.js";
