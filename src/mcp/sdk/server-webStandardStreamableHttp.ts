// @modelcontextprotocol/sdk/server/webStandardStreamableHttp.js, typed for Deno too (see ./README.md).
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/webStandardStreamableHttp.d.ts"
export * from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
