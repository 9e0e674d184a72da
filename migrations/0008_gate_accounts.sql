-- Gate accounts (issue 11): a `gate` user is staff of exactly one event (account_id is the user), made by
-- the event's organizer; roles are now constrained in the database too.
CREATE TABLE "gate_accounts" (
	"account_id" uuid PRIMARY KEY NOT NULL,
	"event_id" uuid NOT NULL,
	"label" text NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "gate_accounts" ADD CONSTRAINT "gate_accounts_account_id_users_user_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."users"("user_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_accounts" ADD CONSTRAINT "gate_accounts_event_id_events_event_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."events"("event_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "gate_accounts" ADD CONSTRAINT "gate_accounts_created_by_users_user_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("user_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "gate_accounts_event_idx" ON "gate_accounts" USING btree ("event_id","created_at");--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_role_check" CHECK ("users"."role" IN ('user', 'organizer', 'admin', 'gate'));