import { systemOperations as op } from "../contract/system";
import { cspNonce } from "../middleware/edge-headers";
import { renderReference } from "../pages/api-reference";
import { ApiRoutes } from "./api-routes";
import type { OpenApiDocument } from "./openapi";

/** The root document and the API's description of itself: the OpenAPI document and a page to read it. */
export function referenceRoutes(document: () => OpenApiDocument) {
  return new ApiRoutes("")
    // Names only routes that exist (a test follows each link).
    .serve(op.root, (c) => c.json({
      name: "Ticketing Pro",
      links: {
        health: "/health", events: "/api/events", search: "/api/search?q=concert", jwks: "/.well-known/jwks.json",
        api_reference: "/api/docs", openapi: "/api/openapi.json",
      },
    }, 200))
    .serve(op.openapi, (c) => {
      c.header("Cache-Control", "public, max-age=300");
      return c.json(document(), 200);
    })
    .serve(op.docs, (c) => c.html(renderReference(document(), cspNonce(c))));
}
