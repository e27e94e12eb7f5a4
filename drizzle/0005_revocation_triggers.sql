-- Hand-written (drizzle-kit generate --custom): revocations announced by the database itself.
--
-- Whoever revokes a token or deactivates a user — an app instance, `tokendesk tokens revoke`,
-- `tokendesk users deactivate`, or plain SQL — every app instance's verification cache hears of it:
-- the triggers below NOTIFY inside the writing transaction, and Postgres delivers a NOTIFY exactly
-- when (and only if) that transaction commits. Nothing is lost to a crash between commit and an
-- app-side publish, because there is no app-side publish.
--
-- Every message on a channel, the instances' heartbeats included, goes through
-- tokendesk_announce_revocations, which numbers it from one per-channel row. Taking the next number
-- updates that row, so the row lock is held until commit: numbers are gapless (a rolled-back
-- transaction gives its number back) and in commit order, which is the order Postgres delivers
-- notifications in. A listener that sees a number jump has missed a message and clears its cache
-- (src/verification/revocation-bus.ts). The payload is the bus's:
--   {"i": sender, "s": sequence, "u": ms since the sender's first message, "ids": [...], "owners": [...]}
-- where the sender is the channel row (a new row, e.g. after a restore into an empty table, is a new
-- sender), "ids" are token ids and "owners" user ids whose tokens all stop working.
CREATE TABLE "revocation_feed" (
	"channel" text PRIMARY KEY NOT NULL,
	"sender" text NOT NULL,
	"seq" bigint NOT NULL,
	"started_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE FUNCTION tokendesk_announce_revocations(p_channel text, p_token_ids text[], p_owner_ids uuid[] DEFAULT '{}')
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  feed revocation_feed;
BEGIN
  INSERT INTO revocation_feed AS f (channel, sender, seq, started_at)
  VALUES (p_channel, substr(md5(gen_random_uuid()::text), 1, 12), 1, clock_timestamp())
  ON CONFLICT (channel) DO UPDATE SET seq = f.seq + 1
  RETURNING * INTO feed;
  PERFORM pg_notify(p_channel, json_build_object(
    'i', feed.sender,
    's', feed.seq,
    'u', floor(extract(epoch FROM clock_timestamp() - feed.started_at) * 1000),
    'ids', coalesce(to_json(p_token_ids), '[]'::json),
    'owners', coalesce(to_json(p_owner_ids), '[]'::json)
  )::text);
  RETURN feed.seq;
END
$$;
--> statement-breakpoint
-- Tokens that stop working in this statement: revoked, given an earlier expiry, or moved to another
-- owner. Postgres refuses payloads of 8000 bytes or more; 400 ids of 12 characters stay well below.
CREATE FUNCTION tokendesk_api_tokens_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text[];
BEGIN
  SELECT array_agg(nr.id ORDER BY nr.id) INTO ids
  FROM new_rows nr JOIN old_rows od ON od.id = nr.id
  WHERE (od.revoked_at IS NULL AND nr.revoked_at IS NOT NULL)
     OR nr.expires_at < od.expires_at
     OR nr.owner_id IS DISTINCT FROM od.owner_id;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  FOR chunk IN 0 .. (cardinality(ids) - 1) / 400 LOOP
    PERFORM tokendesk_announce_revocations('tokendesk_token_revoked', ids[chunk * 400 + 1 : (chunk + 1) * 400]);
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- A statement trigger with transition tables, so that offboarding (one UPDATE of all of a user's
-- tokens) is one message, not one per token. Postgres does not allow a column list (UPDATE OF
-- revoked_at) with transition tables; the WHERE above does the filtering, and an UPDATE that stops
-- no token (last-used bookkeeping) announces nothing and takes no lock.
CREATE TRIGGER api_tokens_announce_revocations AFTER UPDATE ON api_tokens
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tokendesk_api_tokens_announce();
--> statement-breakpoint
-- Users deactivated in this statement: every token they own stops verifying. 150 ids of 36
-- characters stay below the payload limit.
CREATE FUNCTION tokendesk_users_announce() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  owners uuid[];
BEGIN
  SELECT array_agg(nr.id ORDER BY nr.id) INTO owners
  FROM new_rows nr JOIN old_rows od ON od.id = nr.id
  WHERE od.deactivated_at IS NULL AND nr.deactivated_at IS NOT NULL;
  IF owners IS NULL THEN
    RETURN NULL;
  END IF;
  FOR chunk IN 0 .. (cardinality(owners) - 1) / 150 LOOP
    PERFORM tokendesk_announce_revocations('tokendesk_token_revoked', '{}', owners[chunk * 150 + 1 : (chunk + 1) * 150]);
  END LOOP;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_announce_deactivations AFTER UPDATE ON users
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tokendesk_users_announce();
