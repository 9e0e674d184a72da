CREATE TABLE "sessions" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text
);
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "rescheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_user_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
-- Sessions that already exist: one row per refresh-token family, revoked if any of its tokens was.
INSERT INTO "sessions" ("session_id", "user_id", "created_at", "revoked_at", "revoked_reason")
SELECT "family_id", min("user_id"::text)::uuid, min("created_at"), max("revoked_at"), CASE WHEN max("revoked_at") IS NOT NULL THEN 'migrated' END
FROM "refresh_tokens" GROUP BY "family_id"
ON CONFLICT DO NOTHING;
