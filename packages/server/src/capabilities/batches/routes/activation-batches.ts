import {
  ActivationBatch,
  ActivationBatchCreate,
  ActivationBatchItem,
  ActivationBatchItemQuery,
  IdParams,
  ListOf,
  ListQuery,
  formatTimestamp,
} from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso, isoOrNull, pageOut } from '../../../platform/http/wire.js';
import { batchItems, createActivationBatch, getActivationBatch, listActivationBatches, requireBatch } from '../batches.js';
import type { ActivationBatchRecord, BatchItemRecord } from '../ports.js';

const tags = ['activation batches'];

const batchOut = (b: ActivationBatchRecord) => ({
  id: b.id,
  entitlementId: b.entitlementId,
  action: b.action,
  state: b.state,
  total: b.total,
  done: b.done,
  progress: b.total === 0 ? 1 : b.done / b.total,
  results: b.results,
  refusals: b.refusals,
  error: b.error,
  createdAt: iso(b.createdAt),
  startedAt: isoOrNull(b.startedAt),
  finishedAt: isoOrNull(b.finishedAt),
});

const itemOut = (i: BatchItemRecord) => ({
  line: i.line,
  fingerprint: i.device.fingerprint,
  outcome: i.outcome,
  code: i.code,
  message: i.message,
  activationId: i.activationId,
});

/** Items are paged by line; the cursor is the last line seen, opaque to clients. */
const lineCursor = (line: number) => Buffer.from(`l${line}`).toString('base64url');
function afterLine(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const m = /^l(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new DomainError('INVALID_REQUEST', 'The cursor is not one this API returned.', { field: 'cursor' });
  return Number(m[1]);
}

/** Activating (or deactivating) many devices of one entitlement: a resumable background job. */
export function activationBatchRoutes(app: App, services: Services): void {
  app.post('/v1/activation-batches', {
    config: { permission: 'entitlements:write' },
    // A roll-out of 50,000 devices is a few megabytes; every other route keeps the app's limit.
    bodyLimit: 16 * 1024 * 1024,
    schema: {
      tags,
      operationId: 'createActivationBatch',
      summary: 'Activate (or deactivate) many devices of one entitlement in the background (202)',
      description:
        'For a factory line or a roll-out: `devices` (or a `csv` with a header row naming fingerprint, name, platform, hostname, user). Each device is activated as POST /v1/client/activate would — seat limit and activation rules per device — and its outcome recorded (`activated`, `already_active`, `refused` with its code); `action: "deactivate"` frees the devices’ seats instead. Resumable: a crash loses nothing and repeats nothing. Poll the batch for progress; the signed leases download as offline lease files.',
      body: ActivationBatchCreate,
      response: answers(202, ActivationBatch, ['NOT_FOUND']),
    },
    handler: async (req, reply) => reply.code(202).send(batchOut(await createActivationBatch(contextOf(services, req), req.body))),
  });

  app.get('/v1/activation-batches', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'listActivationBatches',
      summary: 'Activation batches, newest first',
      description: 'Batch activations and deactivations with their progress, a page at a time.',
      querystring: ListQuery,
      response: answers(200, ListOf(ActivationBatch), []),
    },
    handler: async (req) =>
      pageOut(await listActivationBatches(contextOf(services, req), { limit: req.query.limit ?? 50, cursor: req.query.cursor }), batchOut),
  });

  app.get('/v1/activation-batches/:id', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'getActivationBatch',
      summary: 'A batch with its progress and results',
      description: '`progress` goes from 0 to 1; `results` counts the outcomes and `refusals` the refusal codes.',
      params: IdParams,
      response: answers(200, ActivationBatch, ['NOT_FOUND']),
    },
    handler: async (req) => batchOut(await getActivationBatch(contextOf(services, req), req.params.id)),
  });

  app.get('/v1/activation-batches/:id/items', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'listActivationBatchItems',
      summary: 'Per-device results of a batch, in the order sent',
      description: 'Each device’s outcome with the refusal code and message when refused; `outcome` filters (e.g. `refused`).',
      params: IdParams,
      querystring: ActivationBatchItemQuery,
      response: answers(200, ListOf(ActivationBatchItem), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const limit = req.query.limit ?? 500;
      const page = await batchItems(
        contextOf(services, req),
        req.params.id,
        { outcome: req.query.outcome },
        { limit, afterLine: afterLine(req.query.cursor) },
      );
      return { data: page.map(itemOut), nextCursor: page.length === limit ? lineCursor(page[page.length - 1]!.line) : null };
    },
  });

  app.get('/v1/activation-batches/:id/leases', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'downloadActivationBatchLeases',
      summary: 'The offline lease files of a batch’s activated devices (JSON Lines)',
      description:
        'One offline activation response per line (format `leasehold-offline-response`, nonce `batch:<id>`), for each device the batch activated, carrying its signed lease (the offering’s offline lease period when it has one): copy each to its machine. The lease verifies against the JWKS with any JOSE library.',
      params: IdParams,
      produces: ['application/x-ndjson'],
      response: answers(200, Type.String({ description: 'JSON Lines' }), ['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      const ctx = contextOf(services, req);
      const batch = await ctx.store.read(async (tx) => {
        const b = await requireBatch(tx, req.params.id);
        return { b, product: (await tx.products.find(b.productId))!.code };
      });
      const lines: string[] = [];
      for (let after = 0; ;) {
        const page = await batchItems(ctx, batch.b.id, {}, { limit: 2000, afterLine: after });
        for (const i of page) {
          if (!i.lease || !i.activationId) continue;
          lines.push(
            JSON.stringify({
              format: 'leasehold-offline-response',
              v: 1,
              product: batch.product,
              fingerprint: i.device.fingerprint,
              nonce: `batch:${batch.b.id}`,
              activationId: i.activationId,
              lease: { token: i.lease },
              serverTime: formatTimestamp(services.clock.now()),
            }),
          );
        }
        if (page.length < 2000) break;
        after = page[page.length - 1]!.line;
      }
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="leases-${batch.b.id}.jsonl"`)
        .serializer((p: unknown) => p as string)
        .send((lines.join('\n') + (lines.length ? '\n' : '')) as never);
    },
  });
}
