import { ClientReleaseList, DownloadLink, IdParams, PortalArtifactParams, PortalReleaseQuery } from '@leasehold/contract';
import { answers, LICENSE_STATE, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso } from '../../../platform/http/wire.js';
import { clientReleaseOut, newArtifactOut } from '../../releases/routes/wire.js';
import { downloadOwnArtifact, ownReleases } from '../downloads.js';
import { portalOf } from './portal-auth.js';

const tags = ['portal'];
const config = { portal: 'session' } as const;

/** Entitled downloads: what an entitlement of the customer may download, with checksums, and a gated, counted download. */
export function downloadRoutes(app: App, services: Services): void {
  app.get('/v1/portal/entitlements/:id/releases', {
    config,
    schema: {
      tags,
      operationId: 'listPortalReleases',
      summary: "The releases one of the customer's entitlements may download, with their files' sizes and SHA-256",
      description:
        'As the application asks with its license key (`GET /v1/client/releases`): published releases on the channel (default stable) the entitlement may have ' +
        '(required features held, maintenance covering the release date), newest first. A license that may not run answers its code (e.g. 403 EXPIRED).',
      params: IdParams,
      querystring: PortalReleaseQuery,
      response: answers(200, ClientReleaseList, ['NOT_FOUND', ...LICENSE_STATE]),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      return { data: (await ownReleases(ctx, services.keyring, customerId, req.params.id, req.query)).map(clientReleaseOut) };
    },
  });

  app.post('/v1/portal/entitlements/:id/artifacts/:artifactId/download', {
    config,
    schema: {
      tags,
      operationId: 'downloadPortalArtifact',
      summary: 'A short-lived signed URL for one file the entitlement may have (counted as a download)',
      description:
        "The installer's gated download path (`GET /v1/client/artifacts/{id}`): the same rules and the same download limit, recorded for the customer " +
        '(the vendor sees it in `GET /v1/customers/{id}/downloads`). A POST with the CSRF token, so no other site can spend a download; takes no body.',
      params: PortalArtifactParams,
      response: answers(200, DownloadLink, [
        ...LICENSE_STATE,
        'NOT_FOUND',
        'INVALID_STATE',
        'RELEASE_NOT_ENTITLED',
        'MAINTENANCE_EXPIRED',
        'DOWNLOAD_LIMIT_REACHED',
      ]),
    },
    handler: async (req) => {
      const { ctx, customerId } = portalOf(services, req);
      const out = await downloadOwnArtifact(
        ctx,
        { keyring: services.keyring, storages: services.artifacts },
        customerId,
        req.params.id,
        req.params.artifactId,
        { fingerprint: null, address: req.ip ?? null, userAgent: req.headers['user-agent']?.slice(0, 500) ?? null },
      );
      return { url: out.url, expiresAt: iso(out.expiresAt), artifact: newArtifactOut(out.artifact) };
    },
  });
}
