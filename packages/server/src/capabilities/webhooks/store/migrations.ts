import type { Kysely, Migration } from 'kysely';

/** Endpoints, their deliveries (the outbox rows, one per event and endpoint) and each attempt. */
const tables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('product_id', 'text')
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_secret_expires_at', 'bigint')
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('parked_until', 'bigint')
      .addColumn('failing_since', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_endpoints_pk', ['account_id', 'id'])
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('endpoint_id', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_at', 'bigint')
      .addColumn('claimed_by', 'text')
      .addColumn('claimed_until', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('queued_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addPrimaryKeyConstraint('webhook_deliveries_pk', ['account_id', 'id'])
      .execute();
    // The dispatcher's question: what is due for this endpoint (and is anything in flight).
    await db.schema
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .columns(['account_id', 'endpoint_id', 'status', 'next_at'])
      .execute();
    // Order per subject: the earlier deliveries of the same subject, and the next seq.
    await db.schema
      .createIndex('webhook_deliveries_subject')
      .on('webhook_deliveries')
      .columns(['account_id', 'endpoint_id', 'subject_id', 'seq'])
      .execute();
    // Across accounts: the backlog gauge, expiry and retention.
    await db.schema.createIndex('webhook_deliveries_status').on('webhook_deliveries').columns(['status', 'queued_at']).execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('error', 'text')
      .addColumn('excerpt', 'text')
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('webhook_attempts_pk', ['account_id', 'delivery_id', 'n'])
      .execute();
  },
};

/** Replay reads an account's events by time (the events table had indexes by id, subject, type). */
const eventsByTime: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('events_at').on('events').columns(['account_id', 'at']).execute();
  },
};

export const webhookMigrations = { '0014_webhooks': tables, '0015_events_by_time': eventsByTime } as const;
