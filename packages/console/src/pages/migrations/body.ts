import type { MigrationCreate } from '@leasehold/contract';

export interface Targeting {
  source: string | null;
  target: string | null;
  customers: string[];
  platform: string;
  version: string;
  removeSeats: boolean;
  rekey: boolean;
  /** A date (yyyy-mm-dd) until which old keys keep working; empty: the server's 30 days. */
  graceUntil: string;
}

/** The request for a dry run or the real run: only the targeting that was set. */
export function migrationBody(t: Targeting, dryRun: boolean): MigrationCreate {
  const select: NonNullable<MigrationCreate['select']> = {};
  if (t.customers.length > 0) select.customers = t.customers;
  if (t.platform.trim()) select.platform = t.platform.trim();
  if (t.version.trim()) select.version = t.version.trim();
  return {
    sourceOfferingId: t.source ?? '',
    targetOfferingId: t.target ?? '',
    ...(Object.keys(select).length > 0 ? { select } : {}),
    removeSeats: t.removeSeats,
    ...(t.rekey ? { rekey: true, ...(t.graceUntil ? { rekeyGraceUntil: new Date(`${t.graceUntil}T23:59:59Z`).toISOString() } : {}) } : {}),
    dryRun,
  };
}
