import type { ActivationBatchCreate } from '@leasehold/contract';
import type { Context } from '../../platform/domain/context.js';
import { invalid, notFound } from '../../platform/domain/errors.js';
import type { Page, PageRequest } from '../../platform/domain/model.js';
import type { Tx } from '../../platform/domain/ports.js';
import { recordEvent } from '../events/record.js';
import { requireEntitlement } from '../entitlements/entitlements.js';
import { devicesFromCsv } from './devices.js';
import type { ActivationBatchRecord, BatchItemRecord, ItemOutcome } from './ports.js';

export async function requireBatch(tx: Tx, id: string): Promise<ActivationBatchRecord> {
  const b = await tx.activationBatches.find(id);
  if (!b) throw notFound('activation batch', id);
  return b;
}

/**
 * Starts a batch: the devices (a list, or a CSV) are written as its items at once, and the
 * background job works through them — activating each as `POST /v1/client/activate` would, with
 * the seat limit and the activation rules applied per device, or deactivating each for the vendor.
 */
export function createActivationBatch(ctx: Context, input: ActivationBatchCreate): Promise<ActivationBatchRecord> {
  if ((input.devices === undefined) === (input.csv === undefined)) throw invalid('devices', 'Send either devices or csv.');
  const devices = input.devices ?? devicesFromCsv(input.csv!);
  if (input.action === 'rehost') {
    const missing = devices.findIndex((d) => !d.replaces);
    if (missing >= 0)
      throw invalid('devices', `Device ${missing + 1}: a rehost names the device it replaces (replaces).`, { line: missing + 1 });
  }
  return ctx.store.write(async (tx) => {
    const entitlement = await requireEntitlement(tx, input.entitlementId);
    const record: ActivationBatchRecord = {
      id: ctx.ids.next('activationBatch'),
      entitlementId: entitlement.id,
      productId: entitlement.productId,
      action: input.action ?? 'activate',
      state: 'pending',
      total: devices.length,
      done: 0,
      results: { activated: 0, alreadyActive: 0, deactivated: 0, notActive: 0, refused: 0 },
      refusals: {},
      error: null,
      actor: ctx.actor,
      requestId: ctx.requestId,
      createdAt: ctx.clock.now(),
      startedAt: null,
      finishedAt: null,
    };
    await tx.activationBatches.insert(record, devices);
    await recordEvent(tx, ctx, {
      type: 'activation_batch.created',
      subjectType: 'activation_batch',
      subjectId: record.id,
      entitlementId: entitlement.id,
      customerId: entitlement.customerId,
      productId: entitlement.productId,
      after: { action: record.action, total: record.total },
    });
    return record;
  });
}

export function getActivationBatch(ctx: Context, id: string): Promise<ActivationBatchRecord> {
  return ctx.store.read((tx) => requireBatch(tx, id));
}

export function listActivationBatches(ctx: Context, page: PageRequest): Promise<Page<ActivationBatchRecord>> {
  return ctx.store.read((tx) => tx.activationBatches.list(page));
}

/** A page of a batch's per-device results, in line order. */
export function batchItems(
  ctx: Context,
  id: string,
  filter: { outcome?: ItemOutcome | undefined },
  page: { limit: number; afterLine: number },
): Promise<BatchItemRecord[]> {
  return ctx.store.read(async (tx) => {
    await requireBatch(tx, id);
    return tx.activationBatches.items(id, filter, page);
  });
}
