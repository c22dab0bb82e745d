import { stringify } from 'csv-stringify/sync';
import {
  CodeBatch,
  CodeBatchCreate,
  CodeBatchQuery,
  CodeCheck,
  CodeCheckQuery,
  CodeListQuery,
  IdParams,
  IssuedCode,
  ListOf,
  VoidCodeRequest,
  VoidRequest,
} from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { DomainError } from '../../../platform/domain/errors.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { isoOrNull, pageOut } from '../../../platform/http/wire.js';
import { batchCodes, createCodeBatch, getCodeBatch, listCodeBatches, voidCode, voidCodeBatch, type IssuedCodeView } from '../batches.js';
import { checkCode } from '../redeem.js';
import { afterSerial, codeBatchOut, serialCursor } from './wire.js';

const tags = ['partners'];

const codeOut = ({ code, record }: IssuedCodeView) => ({
  code,
  serial: record.serial,
  state: record.state,
  redeemedAt: isoOrNull(record.redeemedAt),
  entitlementId: record.entitlementId,
});

/** Batches of partner authenticity codes: order, follow, download, void; and the authenticity check. */
export function codeBatchRoutes(app: App, services: Services): void {
  app.post('/v1/code-batches', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'createCodeBatch',
      summary: 'Order N authenticity codes of an offering for a partner (202: generated in the background)',
      description:
        'Each code carries a check symbol and is on record for this account and partner; a customer redeems it once (POST /v1/client/redeem) into a customer and an entitlement of the offering, with the batch’s overrides. Poll the batch for `progress`; download the codes when `state` is `ready`.',
      body: CodeBatchCreate,
      response: answers(202, CodeBatch, ['NOT_FOUND']),
    },
    handler: async (req, reply) => reply.code(202).send(codeBatchOut(await createCodeBatch(contextOf(services, req), req.body))),
  });

  app.get('/v1/code-batches', {
    config: { permission: 'partners:read' },
    schema: {
      tags,
      operationId: 'listCodeBatches',
      summary: 'Code batches, newest first',
      description: 'Every batch, or one partner’s (`partner`), with its progress and redemption statistics.',
      querystring: CodeBatchQuery,
      response: answers(200, ListOf(CodeBatch), []),
    },
    handler: async (req) =>
      pageOut(
        await listCodeBatches(contextOf(services, req), req.query.partner, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        codeBatchOut,
      ),
  });

  app.get('/v1/code-batches/:id', {
    config: { permission: 'partners:read' },
    schema: {
      tags,
      operationId: 'getCodeBatch',
      summary: 'A code batch with its progress and statistics',
      description:
        '`progress` goes from 0 to 1 while the codes are generated; `stats` counts issued, redeemed, voided and outstanding codes.',
      params: IdParams,
      response: answers(200, CodeBatch, ['NOT_FOUND']),
    },
    handler: async (req) => codeBatchOut(await getCodeBatch(contextOf(services, req), req.params.id)),
  });

  app.get('/v1/code-batches/:id/codes', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'listBatchCodes',
      summary: 'The codes of a batch in serial order (JSON pages, or the whole batch as CSV with format=csv)',
      description:
        'The codes in clear, for the partner: JSON a page at a time, or with `format=csv` every code of the batch (serial, code, state) as one download. Needs partners:write: whoever reads codes can sell them.',
      params: IdParams,
      querystring: CodeListQuery,
      produces: ['application/json', 'text/csv'],
      response: answers(200, ListOf(IssuedCode), ['NOT_FOUND']),
    },
    handler: async (req, reply) => {
      const ctx = contextOf(services, req);
      if (req.query.format === 'csv') {
        const rows: Array<ReturnType<typeof codeOut>> = [];
        for (let after = 0; ;) {
          const page = await batchCodes(ctx, req.params.id, { limit: 5000, afterSerial: after });
          rows.push(...page.map(codeOut));
          if (page.length < 5000) break;
          after = page[page.length - 1]!.record.serial;
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="codes-${req.params.id}.csv"`)
          .serializer((p: unknown) => p as string)
          .send(stringify(rows, { header: true, columns: ['serial', 'code', 'state', 'redeemedAt', 'entitlementId'] }) as never);
      }
      const after = afterSerial(req.query.cursor);
      if (after === null) throw new DomainError('INVALID_REQUEST', 'The cursor is not one this API returned.', { field: 'cursor' });
      const limit = req.query.limit ?? 500;
      const page = await batchCodes(ctx, req.params.id, { limit, afterSerial: after });
      return { data: page.map(codeOut), nextCursor: page.length === limit ? serialCursor(page[page.length - 1]!.record.serial) : null };
    },
  });

  app.post('/v1/code-batches/:id/void', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'voidCodeBatch',
      summary: 'Void a batch: its codes not yet redeemed can no longer be',
      description: 'Codes already redeemed keep their entitlements (revoke those if needed); a batch still generating stops.',
      params: IdParams,
      body: VoidRequest,
      response: answers(200, CodeBatch, ['NOT_FOUND', 'INVALID_STATE']),
    },
    handler: async (req) => codeBatchOut(await voidCodeBatch(contextOf(services, req), req.params.id, req.body.reason)),
  });

  app.post('/v1/codes/void', {
    config: { permission: 'partners:write' },
    schema: {
      tags,
      operationId: 'voidCode',
      summary: 'Void one code (lost, sold in error)',
      description: 'Only an issued code can be voided; a redeemed one stays redeemed.',
      body: VoidCodeRequest,
      response: noContent(['CODE_INVALID', 'INVALID_STATE']),
    },
    handler: async (req, reply) => {
      await voidCode(contextOf(services, req), req.body.code, req.body.reason);
      return reply.code(204).send();
    },
  });

  app.get('/v1/codes/check', {
    config: { permission: 'partners:read' },
    schema: {
      tags,
      operationId: 'checkCode',
      summary: 'Is this code one we issued, for which partner, and can it still be redeemed? (redeems nothing)',
      description:
        'An authenticity check for support or a partner portal: a forged or mistyped code answers `authentic: false` (`typo` tells which); an authentic one names its partner, offering and state.',
      querystring: CodeCheckQuery,
      response: answers(200, CodeCheck, []),
    },
    handler: async (req) => {
      const v = await checkCode(contextOf(services, req), req.query.code);
      if (!v.authentic) {
        return {
          authentic: false,
          redeemable: false,
          state: null,
          typo: v.typo,
          partner: null,
          offering: null,
          batchId: null,
          expiresAt: null,
        };
      }
      const { partner, offering, batch } = v.facts;
      return {
        authentic: true,
        redeemable: v.state === 'issued',
        state: v.state,
        typo: false,
        partner: { id: partner.id, name: partner.name },
        offering: { id: offering.id, code: offering.code, name: offering.name },
        batchId: batch.id,
        expiresAt: isoOrNull(batch.expiresAt),
      };
    },
  });
}
