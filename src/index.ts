import { app } from "./app";
import type { Env } from "./env";

export { EventRoom } from "../durable-objects/event-room";

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
