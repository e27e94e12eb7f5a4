CREATE TABLE "audit_feed_deliveries" (
	"event_id" bigint PRIMARY KEY NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"claimed_until" timestamp with time zone,
	"last_error" text,
	"posted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "audit_feed_deliveries" ADD CONSTRAINT "audit_feed_deliveries_event_id_audit_events_id_fk" FOREIGN KEY ("event_id") REFERENCES "public"."audit_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_feed_deliveries_pending_idx" ON "audit_feed_deliveries" USING btree ("next_attempt_at") WHERE "audit_feed_deliveries"."status" = 'pending';