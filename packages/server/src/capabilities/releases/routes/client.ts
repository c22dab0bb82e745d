import {
  ClientDownloadQuery,
  ClientReleaseList,
  ClientUpgradeQuery,
  ClientReleaseQuery,
  DownloadLink,
  IdParams,
  UpgradeAnswer,
} from '@leasehold/contract';
import { Type } from 'typebox';
import { answers, LICENSE_STATE, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso } from '../../../platform/http/wire.js';
import { clientContextOf } from '../../licensing/routes/license-auth.js';
import { checkForUpgrade, entitledReleases, issueDownload } from '../downloads.js';
import { downloadContextOf } from './context.js';
import { clientReleaseOut, newArtifactOut } from './wire.js';

const tags = ['client'];

/** What the application (or its installer) asks with the license key: what it may download, and upgrades. */
export function clientReleaseRoutes(app: App, services: Services): void {
  app.get('/v1/client/releases', {
    config: { license: 'required' },
    schema: {
      tags,
      operationId: 'listClientReleases',
      summary: 'The releases this license may download',
      description:
        'Published releases of the license’s product on the channel (default stable; a less stable channel includes the more stable ones), newest version first, each with the artifacts that suit `platform` and `arch` and that the license may have: required features held, maintenance covering the release date.',
      querystring: ClientReleaseQuery,
      response: answers(200, ClientReleaseList, [...LICENSE_STATE]),
    },
    handler: async (req) => ({ data: (await entitledReleases(clientContextOf(services, req), req.query)).map(clientReleaseOut) }),
  });

  app.get('/v1/client/releases/upgrade', {
    config: { license: 'required' },
    schema: {
      tags,
      operationId: 'checkClientUpgrade',
      summary: 'The newest release this license may install over `version`, or null',
      description:
        '`critical` when that release (or one it skips) is flagged critical; `required` when one of them sets a minimumVersion above `version`: the device must upgrade. A release with a rollout is offered only to the devices it targets (by license, customer, offering, `fingerprint`, platform, `version` range and percentage); the others are answered the newest release before it.',
      querystring: ClientUpgradeQuery,
      response: answers(200, UpgradeAnswer, [...LICENSE_STATE]),
    },
    handler: async (req) => {
      const { version, ...device } = req.query;
      const plan = await checkForUpgrade(clientContextOf(services, req), version, device);
      return {
        release: plan.target && clientReleaseOut(plan.target),
        critical: plan.critical,
        required: plan.required,
        serverTime: iso(services.clock.now()),
      };
    },
  });

  app.get('/v1/client/artifacts/:id', {
    config: { license: 'required' },
    schema: {
      tags,
      operationId: 'downloadClientArtifact',
      summary: 'Download an artifact: 303 to a signed URL valid at most one hour',
      description:
        'Checks the license may have the file (usable, release published, required features, maintenance, download limit), records the download and answers `303 See Other` to a short-lived signed URL; with `Prefer: no-redirect` it answers `200 {url, expiresAt}` instead. A refusal counts nothing.',
      params: IdParams,
      querystring: ClientDownloadQuery,
      // The same map object answers() made, so the route kit still finds the codes it names.
      response: Object.assign(
        answers(200, DownloadLink, [
          ...LICENSE_STATE,
          'NOT_FOUND',
          'INVALID_STATE',
          'RELEASE_NOT_ENTITLED',
          'MAINTENANCE_EXPIRED',
          'DOWNLOAD_LIMIT_REACHED',
        ]),
        { 303: Type.Null({ description: 'See Other: the signed URL is in Location' }) },
      ),
    },
    handler: async (req, reply) => {
      const out = await issueDownload(downloadContextOf(services, req), req.params.id, {
        fingerprint: req.query.fingerprint ?? null,
        address: req.ip ?? null,
        userAgent: req.headers['user-agent']?.slice(0, 500) ?? null,
      });
      if (/\bno-redirect\b/i.test(String(req.headers['prefer'] ?? ''))) {
        return { url: out.url, expiresAt: iso(out.expiresAt), artifact: newArtifactOut(out.artifact) };
      }
      return reply.header('cache-control', 'no-store').redirect(out.url, 303);
    },
  });
}
