import type { OpenAPIHono } from "@hono/zod-openapi";
import { API_INFO, SECURITY_SCHEMES, TAGS } from "../contract";
import type { AppEnv } from "../context";

export type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/**
 * The OpenAPI 3.1 document of every route `app` serves, generated from the contract's zod
 * schemas. Built on first use and kept: the routes cannot change while an isolate runs.
 */
export function documentOf(app: OpenAPIHono<AppEnv>): () => OpenApiDocument {
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
  let document: OpenApiDocument | undefined;
  return () => {
    document ??= app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: API_INFO,
      // Relative: the document describes the deployment that serves it, wherever that is.
      servers: [{ url: "/", description: "This deployment" }],
      tags: TAGS,
    });
    return document;
  };
}
