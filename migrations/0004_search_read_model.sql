CREATE TABLE "search_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"title" text,
	"description" text,
	"venue" text,
	"location" text,
	"category" text,
	"start_date" timestamp with time zone,
	"currency" char(3),
	"min_price" bigint,
	"max_price" bigint,
	"status" text,
	"total_seats" integer,
	"seats_delta" integer DEFAULT 0 NOT NULL,
	"source_updated_at" timestamp with time zone,
	"document" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(to_tsvector('simple', coalesce(description, '')), 'B') || setweight(to_tsvector('simple', coalesce(venue, '')), 'C')) STORED
);
--> statement-breakpoint
CREATE INDEX "search_events_document_idx" ON "search_events" USING gin ("document");--> statement-breakpoint
CREATE INDEX "search_events_title_trgm_idx" ON "search_events" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "search_events_filter_idx" ON "search_events" USING btree ("status","category","start_date");