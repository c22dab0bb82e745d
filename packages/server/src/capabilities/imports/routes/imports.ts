import type { Readable } from 'node:stream';
import { ImportQuery, ImportReport, KeygenImport, KeygenImportReport } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { invalid } from '../../../platform/domain/errors.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { importCsv } from '../csv-import.js';
import { importKeygen } from '../keygen.js';

const tags = ['imports'];

/** CSV imports of customers, entitlements and activations, streamed row by row. */
export function importRoutes(app: App, services: Services): void {
  // The file is read as it arrives, never held whole (a million rows pass in constant memory).
  app.addContentTypeParser('text/csv', (_req, payload, done) => done(null, payload));

  app.post('/v1/imports', {
    config: { permission: 'entitlements:write' },
    schema: {
      tags,
      operationId: 'importCsv',
      summary: 'Import customers, entitlements or activations from a CSV file (with a dry run)',
      description:
        'Send the file as the body with `Content-Type: text/csv` and say what it holds with `kind`. The header row names the columns (see docs/imports.md): customers `externalRef,name,email,metadata.<key>`; entitlements `externalRef,customer,offering,key,orderRef,startsAt,endsAt,seats,metadata.<key>`; activations `entitlement,fingerprint,name,platform,hostname,user`. Rows are matched by externalRef (devices by entitlement and fingerprint), so sending a file again creates nothing. Each row commits on its own or is refused with its line, a stable code and the column at fault; the others go on. `dryRun=true` reports what would be created, updated and refused and changes nothing. A header with unknown or missing columns is refused (400) before any row.',
      querystring: ImportQuery,
      response: answers(200, ImportReport, ['INVALID_REQUEST']),
    },
    handler: async (req) => {
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as { pipe?: unknown }).pipe !== 'function') {
        throw invalid('body', 'Send the CSV file as the body with Content-Type: text/csv.');
      }
      return importCsv(contextOf(services, req), { keyring: services.keyring }, req.query.kind, body, {
        dryRun: req.query.dryRun ?? false,
      });
    },
  });

  app.post('/v1/imports/keygen', {
    // It makes products, offerings and their key generators: account-wide work.
    config: { permission: 'products:create' },
    // An account of 100,000 licenses exports as some tens of megabytes of JSON:API.
    bodyLimit: 128 * 1024 * 1024,
    schema: {
      tags,
      operationId: 'importKeygen',
      summary: 'Import a Keygen account from its JSON:API exports (with a dry run)',
      description:
        'Send `documents`: the JSON:API answers of Keygen’s list endpoints (products, policies, users, licenses, machines; `included` is read too). Products become products, policies offerings (duration → term, floating/maxMachines → seats, with an `imported` key generator), users customers, licenses entitlements that keep their keys (the devices validate as before), machines activations. Records are matched on their Keygen id (externalRef `keygen:<id>`), so importing again creates nothing; each record commits or is refused on its own. `dryRun: true` changes nothing.',
      body: KeygenImport,
      response: answers(200, KeygenImportReport, ['INVALID_REQUEST']),
    },
    handler: async (req) => importKeygen(contextOf(services, req), { keyring: services.keyring }, req.body),
  });
}
