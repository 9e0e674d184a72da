CREATE TABLE "ticket_transfers" (
	"ticket_id" uuid NOT NULL,
	"revision" integer NOT NULL,
	"event_id" uuid NOT NULL,
	"from_user_id" uuid NOT NULL,
	"to_user_id" uuid NOT NULL,
	"transferred_at" timestamp with time zone NOT NULL,
	CONSTRAINT "ticket_transfers_ticket_id_revision_pk" PRIMARY KEY("ticket_id","revision")
);
--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "revision" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "tickets" ADD COLUMN "checked_in_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "ticket_transfers_from_idx" ON "ticket_transfers" USING btree ("from_user_id");
--> statement-breakpoint
-- The projection learns ticket records (src/pipeline/projection.ts, durable-objects/event-room/ticket-records.ts):
-- record_outbox_messages as in 0007, plus the tickets' own messages. One writer per table still: this function.
CREATE OR REPLACE FUNCTION record_outbox_messages(batch jsonb) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
  fresh jsonb;
  n integer;
  pay record;
  pd jsonb;
  pat timestamptz;
BEGIN
  WITH input AS (
    SELECT DISTINCT ON ((x->'envelope'->>'event_id')::uuid) ord, x
    FROM jsonb_array_elements(batch) WITH ORDINALITY AS t(x, ord)
    ORDER BY (x->'envelope'->>'event_id')::uuid, ord
  ), ins AS (
    INSERT INTO outbox (message_id, topic, aggregate_id, event_type, envelope)
    SELECT (x->'envelope'->>'event_id')::uuid, x->>'topic', x->>'key', x->'envelope'->>'event_type', x->'envelope'
    FROM input ORDER BY ord
    ON CONFLICT (message_id) DO NOTHING
    RETURNING message_id
  )
  SELECT count(*)::int, coalesce(jsonb_agg(input.x->'envelope' ORDER BY input.ord) FILTER (WHERE (input.x->>'effect')::boolean), '[]'::jsonb)
  INTO n, fresh
  FROM ins JOIN input ON (input.x->'envelope'->>'event_id')::uuid = ins.message_id;

  IF jsonb_array_length(fresh) = 0 THEN
    RETURN n;
  END IF;

  -- New bookings; a row a status message created first (out of order) gets its real times.
  INSERT INTO bookings (booking_id, event_id, user_id, status, total_amount, currency, expires_at, created_at, updated_at)
  SELECT DISTINCT ON ((d->>'booking_id')::uuid) (d->>'booking_id')::uuid, (d->>'event_id')::uuid, (d->>'user_id')::uuid, 'reserved',
    (d->>'total_amount')::bigint, d->>'currency', (d->>'expires_at')::timestamptz, (d->>'created_at')::timestamptz, (d->>'created_at')::timestamptz
  FROM outbox_batch_rows(fresh) WHERE type = 'BookingCreated'
  ORDER BY (d->>'booking_id')::uuid, ord
  ON CONFLICT (booking_id) DO UPDATE SET expires_at = excluded.expires_at, created_at = excluded.created_at;

  INSERT INTO booking_items (booking_id, item_id, kind, quantity, unit_price)
  SELECT (d->>'booking_id')::uuid, i->>'item_id', i->>'kind', (i->>'quantity')::int, (i->>'unit_price')::bigint
  FROM outbox_batch_rows(fresh), jsonb_array_elements(d->'items') AS i
  WHERE type = 'BookingCreated'
  ON CONFLICT DO NOTHING;

  -- Each booking's last status in the batch, unless Postgres has a newer one.
  INSERT INTO bookings (booking_id, event_id, user_id, status, total_amount, currency, expires_at, created_at, updated_at)
  SELECT DISTINCT ON ((d->>'booking_id')::uuid) (d->>'booking_id')::uuid, (d->>'event_id')::uuid, (d->>'user_id')::uuid, d->>'status',
    (d->>'total_amount')::bigint, d->>'currency', coalesce((d->>'expires_at')::timestamptz, at), coalesce((d->>'created_at')::timestamptz, at), at
  FROM outbox_batch_rows(fresh)
  WHERE type IN ('BookingConfirmed', 'BookingCancelled', 'BookingExpired') OR (type = 'RefundProcessed' AND d ? 'status')
  ORDER BY (d->>'booking_id')::uuid, ord DESC
  ON CONFLICT (booking_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at
  WHERE bookings.updated_at <= excluded.updated_at;

  -- Each seat's last state in the batch, unless Postgres has a newer one.
  UPDATE seats SET status = v.status, booking_id = v.booking_id, status_at = v.at
  FROM (
    SELECT DISTINCT ON ((d->>'event_id')::uuid, s.seat_id) (d->>'event_id')::uuid AS event_id, s.seat_id, at,
      CASE type WHEN 'SeatsReserved' THEN 'held' WHEN 'SeatsConfirmed' THEN 'sold' ELSE 'available' END AS status,
      CASE type WHEN 'SeatsReleased' THEN NULL ELSE (d->>'booking_id')::uuid END AS booking_id
    FROM outbox_batch_rows(fresh), jsonb_array_elements_text(d->'seat_ids') AS s(seat_id)
    WHERE type IN ('SeatsReserved', 'SeatsConfirmed', 'SeatsReleased')
    ORDER BY (d->>'event_id')::uuid, s.seat_id, ord DESC
  ) v
  WHERE seats.event_id = v.event_id AND seats.seat_id = v.seat_id AND (seats.status_at IS NULL OR seats.status_at <= v.at);

  -- Areas: held and sold as sums of deltas.
  UPDATE ga_areas SET held = ga_areas.held + v.dh, sold = ga_areas.sold + v.ds
  FROM (
    SELECT (d->>'event_id')::uuid AS event_id, d->>'area' AS name,
      sum(CASE WHEN type = 'SeatsReserved' THEN q WHEN type = 'SeatsConfirmed' THEN -q WHEN d->>'from' = 'sold' THEN 0 ELSE -q END)::int AS dh,
      sum(CASE WHEN type = 'SeatsConfirmed' THEN q WHEN type = 'SeatsReleased' AND d->>'from' = 'sold' THEN -q ELSE 0 END)::int AS ds
    FROM (SELECT type, d, (d->>'quantity')::int AS q FROM outbox_batch_rows(fresh)
          WHERE type IN ('SeatsReserved', 'SeatsConfirmed', 'SeatsReleased') AND coalesce(d->>'area', '') <> '' AND coalesce((d->>'quantity')::int, 0) <> 0) a
    GROUP BY 1, 2
  ) v
  WHERE ga_areas.event_id = v.event_id AND ga_areas.name = v.name AND (v.dh <> 0 OR v.ds <> 0);

  -- Tickets of confirmed bookings (void at once if the booking's refund came first), then refunds void theirs.
  INSERT INTO tickets (ticket_id, booking_id, event_id, user_id, item_id, status, issued_at)
  SELECT (t->>'ticket_id')::uuid, (d->>'booking_id')::uuid, (d->>'event_id')::uuid, (d->>'user_id')::uuid, t->>'item_id',
    CASE WHEN b.status = 'refunded' THEN 'void' ELSE 'valid' END, at
  FROM outbox_batch_rows(fresh) CROSS JOIN LATERAL jsonb_array_elements(d->'tickets') AS t
  LEFT JOIN bookings b ON b.booking_id = (d->>'booking_id')::uuid
  WHERE type = 'BookingConfirmed'
  ON CONFLICT DO NOTHING;

  UPDATE tickets SET status = 'void'
  WHERE booking_id IN (SELECT (d->>'booking_id')::uuid FROM outbox_batch_rows(fresh) WHERE type = 'RefundProcessed' AND d ? 'status');

  -- Ticket records (TicketIssued, TicketTransferred, TicketRevoked, TicketCheckedIn): each carries the
  -- whole record and the room's revision of it; the highest revision wins, so duplicates and any
  -- order converge. A record may arrive before its BookingConfirmed (the row is created from it).
  INSERT INTO tickets (ticket_id, booking_id, event_id, user_id, item_id, status, issued_at, revision, checked_in_at)
  SELECT DISTINCT ON ((d->>'ticket_id')::uuid) (d->>'ticket_id')::uuid, (d->>'booking_id')::uuid, (d->>'event_id')::uuid, (d->>'holder_id')::uuid,
    d->>'item_id', d->>'status', (d->>'issued_at')::timestamptz, (d->>'revision')::int, (d->>'checked_in_at')::timestamptz
  FROM outbox_batch_rows(fresh)
  WHERE type IN ('TicketIssued', 'TicketTransferred', 'TicketRevoked', 'TicketCheckedIn')
  ORDER BY (d->>'ticket_id')::uuid, (d->>'revision')::int DESC
  ON CONFLICT (ticket_id) DO UPDATE SET user_id = excluded.user_id, status = excluded.status, revision = excluded.revision,
    checked_in_at = excluded.checked_in_at
  WHERE tickets.revision < excluded.revision;

  INSERT INTO ticket_transfers (ticket_id, revision, event_id, from_user_id, to_user_id, transferred_at)
  SELECT (d->>'ticket_id')::uuid, (d->>'revision')::int, (d->>'event_id')::uuid, (d->>'from_user_id')::uuid, (d->>'holder_id')::uuid,
    (d->>'transferred_at')::timestamptz
  FROM outbox_batch_rows(fresh) WHERE type = 'TicketTransferred'
  ON CONFLICT DO NOTHING;

  -- Payments: few per batch, each a small state machine, applied in order.
  FOR pay IN SELECT fm.type, fm.at, fm.d FROM outbox_batch_rows(fresh) fm
    WHERE type IN ('PaymentIntentCreated', 'PaymentSucceeded', 'PaymentFailed', 'RefundProcessed', 'UnmatchedPaymentReceived', 'UnmatchedPaymentRefunded', 'PaymentCanceled')
    ORDER BY ord
  LOOP
    pd := pay.d;
    pat := pay.at;
    CASE pay.type
    WHEN 'PaymentIntentCreated' THEN
      INSERT INTO payments (payment_intent_id, booking_id, event_id, user_id, provider, amount, currency, status)
      VALUES (pd->>'payment_intent_id', (pd->>'booking_id')::uuid, (pd->>'event_id')::uuid, (pd->>'user_id')::uuid, pd->>'provider',
        (pd->>'amount')::bigint, pd->>'currency', 'requires_payment')
      ON CONFLICT DO NOTHING;
    WHEN 'PaymentSucceeded' THEN
      INSERT INTO payments (payment_intent_id, booking_id, event_id, user_id, provider, amount, currency, status, note)
      VALUES (pd->>'payment_intent_id', (pd->>'booking_id')::uuid, (pd->>'event_id')::uuid, (pd->>'user_id')::uuid, pd->>'provider',
        (pd->>'amount')::bigint, pd->>'currency',
        CASE WHEN pd->>'outcome' = 'refund_queued' THEN 'refund_pending' ELSE 'succeeded' END,
        CASE WHEN pd->>'outcome' = 'refund_queued' THEN pd->>'reason' ELSE pd->>'outcome' END)
      ON CONFLICT (payment_intent_id) DO UPDATE SET status = excluded.status, note = excluded.note, updated_at = pat
      WHERE payments.status <> 'refunded';
    WHEN 'PaymentFailed' THEN
      UPDATE payments SET status = 'failed', updated_at = pat WHERE payment_intent_id = pd->>'payment_intent_id' AND status = 'requires_payment';
    WHEN 'RefundProcessed' THEN
      IF pd->>'payment_intent_id' IS NOT NULL THEN
        UPDATE payments SET status = 'refunded', updated_at = pat, note = coalesce(pd->>'reason', note) WHERE payment_intent_id = pd->>'payment_intent_id';
      END IF;
    WHEN 'UnmatchedPaymentReceived' THEN
      INSERT INTO payments (payment_intent_id, booking_id, event_id, provider, amount, currency, status, note)
      VALUES (pd->>'payment_intent_id', (pd->>'booking_id')::uuid, (pd->>'event_id')::uuid, pd->>'provider', (pd->>'amount')::bigint, pd->>'currency',
        'refund_pending', pd->>'reason')
      ON CONFLICT (payment_intent_id) DO UPDATE SET status = 'refund_pending', note = excluded.note, updated_at = pat
      WHERE payments.status <> 'refunded';
    WHEN 'UnmatchedPaymentRefunded' THEN
      UPDATE payments SET status = 'refunded', updated_at = pat WHERE payment_intent_id = pd->>'payment_intent_id';
    WHEN 'PaymentCanceled' THEN
      UPDATE payments SET status = 'canceled', updated_at = pat WHERE payment_intent_id = pd->>'payment_intent_id';
    END CASE;
  END LOOP;
  RETURN n;
END
$fn$;
