import type { CodeBatchView } from '../batches.js';
import type { PartnerView } from '../partners.js';
import { iso, isoOrNull } from '../../../platform/http/wire.js';

export const partnerOut = ({ record: p, stats }: PartnerView) => ({
  ...p,
  stats,
  createdAt: iso(p.createdAt),
  updatedAt: iso(p.updatedAt),
});

export const codeBatchOut = ({ record: b, stats }: CodeBatchView) => ({
  id: b.id,
  partnerId: b.partnerId,
  offeringId: b.offeringId,
  quantity: b.quantity,
  generated: b.generated,
  progress: b.quantity === 0 ? 1 : b.generated / b.quantity,
  state: b.state,
  expiresAt: isoOrNull(b.expiresAt),
  overrides: b.overrides as Record<string, unknown>,
  stats,
  createdAt: iso(b.createdAt),
  finishedAt: isoOrNull(b.finishedAt),
});

/** Codes are paged by serial; the cursor is the last serial seen, opaque to clients. */
export const serialCursor = (serial: number) => Buffer.from(`s${serial}`).toString('base64url');
export function afterSerial(cursor: string | undefined): number | null {
  if (cursor === undefined) return 0;
  const m = /^s(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}
