import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The sweeper looks for live seats whose heartbeat deadline passed, across all accounts, every
  // 30 s. Without an index it read every live activation: 2.3 s at 2,000,000 activations on SQLite,
  // where a query blocks the event loop, so every request waited for it. Node-locked seats have no
  // deadline and sort out of the range at once.
  await db.schema.createIndex('activations_heartbeat_deadline').on('activations').columns(['state', 'heartbeat_deadline']).execute();
}
