import { z } from "zod";
import { amountOut, count, instantOut } from "./common";

/**
 * What the organizer's live feed (`GET /api/events/{id}/queue/live`, a WebSocket) sends: a
 * `counts` frame on connect and then every second, each with the latest sample of the hour; a
 * `history` frame on connect with the hour so far (5-second buckets, oldest first). Counters in a
 * sample are cumulative (a rate is the difference of two samples over their time apart); the rest
 * are as they were at the sample. The dashboard parses frames with these.
 */
const seconds = z.int().min(0).nullable();
export const liveSampleSchema = z.strictObject({
  t: z.int().describe("The bucket's start, epoch ms"),
  at: z.int().describe("When the figures were read, epoch ms"),
  joined: count.describe("Joined the queue, cumulative"),
  waiting: count,
  admitted: count.describe("Let in from the queue, cumulative"),
  active: count.describe("Shoppers in a running session"),
  held: count.describe("Seats and places on hold"),
  sold: count,
  capacity: count,
  revenue: amountOut.describe("Confirmed bookings' total"),
  admit_per_minute: count.describe("The outflow cap set"),
  max_active: count,
  wait_p50: seconds.describe("Seconds until the middle of the line is admitted"),
  wait_p90: seconds.describe("Seconds until nine tenths of the line are admitted"),
  no_show_rate: z.number().min(0).max(1).nullable().describe("Of the turns that ended, the share without a booking"),
});
export type LiveSampleOut = z.output<typeof liveSampleSchema>;

export const liveCountsFrame = z.object({
  type: z.literal("counts"),
  at: instantOut,
  joined: count, waiting: count, admitted: count, active: count, held: count, sold: count, available: count,
  sample: liveSampleSchema,
});
export const liveHistoryFrame = z.object({
  type: z.literal("history"),
  bucket_ms: z.int().min(1),
  window_ms: z.int().min(1),
  samples: z.array(liveSampleSchema),
});
export const liveFrameSchema = z.discriminatedUnion("type", [
  liveCountsFrame, liveHistoryFrame,
  z.object({ type: z.literal("token_accepted"), expires_at: instantOut }),
  z.object({ type: z.literal("token_rejected") }),
]);
export type LiveFrame = z.output<typeof liveFrameSchema>;
