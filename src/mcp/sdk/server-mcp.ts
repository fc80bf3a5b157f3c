// @modelcontextprotocol/sdk/server/mcp.js, typed for Deno too (see ./README.md).
// @ts-types="../../../node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.d.ts"
export * from "@modelcontextprotocol/sdk/server/mcp.js";
