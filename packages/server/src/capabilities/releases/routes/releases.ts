import {
  AudienceQuery,
  ReleaseAudience,
  RolloutAnswer,
  RolloutInput,
  DownloadListQuery,
  IdParams,
  ListOf,
  ListQuery,
  Release,
  ReleaseCreate,
  ReleaseListQuery,
  ReleasePatch,
  Download,
  channelsIncluded,
} from '@leasehold/contract';
import { Type } from 'typebox';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { pageOut } from '../../../platform/http/wire.js';
import { createRelease, deleteRelease, getRelease, listReleases, publishRelease, updateRelease, yankRelease } from '../releases.js';
import { removeBytes } from '../artifacts.js';
import { customerDownloads, releaseDownloads } from '../downloads.js';
import { artifactContextOf } from './context.js';
import { previewRollout, releaseAudience } from '../audience.js';
import { downloadOut, releaseOut, rolloutOut } from './wire.js';
import { setRollout } from '../rollouts.js';

const tags = ['releases'];
const ProductParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

/** Releases of a product: drafts, publishing, yanking, and who downloaded them. */
export function releaseRoutes(app: App, services: Services): void {
  app.get('/v1/products/:id/releases', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'listReleases',
      summary: "A product's releases, newest version first (semver order)",
      description:
        'Ordered by semantic version precedence, newest first. `channel` includes the more stable channels (beta lists stable, rc and beta); `status` filters drafts, published or yanked releases.',
      params: ProductParams,
      querystring: ReleaseListQuery,
      response: answers(200, ListOf(Release), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const q = req.query;
      const filter = { ...(q.channel ? { channels: channelsIncluded(q.channel) } : {}), ...(q.status ? { status: q.status } : {}) };
      return pageOut(
        await listReleases(contextOf(services, req), req.params.id, filter, { limit: q.limit ?? 50, cursor: q.cursor }),
        releaseOut,
      );
    },
  });

  app.post('/v1/products/:id/releases', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'createRelease',
      summary: 'Create a release (a draft until published)',
      description:
        'A draft: only vendor keys see it. `version` is semver and unique per product; `channel` defaults to stable (beta for a pre-release version). `requires` names features a license must hold to download it; `backdatedTo` places it inside older maintenance windows.',
      params: ProductParams,
      body: ReleaseCreate,
      response: answers(201, Release, ['NOT_FOUND', 'DUPLICATE_CODE', 'UNKNOWN_FEATURE']),
    },
    handler: async (req, reply) => reply.code(201).send(releaseOut(await createRelease(contextOf(services, req), req.params.id, req.body))),
  });

  app.get('/v1/releases/:id', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'getRelease',
      summary: 'Read a release',
      description: 'The release with its artifact and download counts.',
      params: IdParams,
      response: answers(200, Release, ['NOT_FOUND']),
    },
    handler: async (req) => releaseOut(await getRelease(contextOf(services, req), req.params.id)),
  });

  app.patch('/v1/releases/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'updateRelease',
      summary: 'Change a release (notes, channel, gating, critical flag, minimumVersion)',
      description: 'Everything but the version may change, also after publishing; clients see the change at their next check.',
      params: IdParams,
      body: ReleasePatch,
      response: answers(200, Release, ['NOT_FOUND', 'UNKNOWN_FEATURE']),
    },
    handler: async (req) => releaseOut(await updateRelease(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/releases/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'deleteRelease',
      summary: 'Delete a release nobody downloaded, with its artifacts',
      description: 'A release that was downloaded is kept for its history (IN_USE): yank it instead.',
      params: IdParams,
      response: noContent(['NOT_FOUND', 'IN_USE']),
    },
    handler: async (req, reply) => {
      const ctx = artifactContextOf(services, req);
      await removeBytes(ctx, await deleteRelease(ctx, req.params.id));
      return reply.code(204).send();
    },
  });

  const action = (name: 'publish' | 'yank', run: typeof publishRelease, summary: string, description: string) =>
    app.post(`/v1/releases/:id/${name}`, {
      config: { permission: 'catalog:write' },
      schema: {
        tags,
        operationId: `${name}Release`,
        summary,
        description,
        params: IdParams,
        response: answers(200, Release, ['NOT_FOUND', 'INVALID_STATE']),
      },
      handler: async (req) => releaseOut(await run(contextOf(services, req), req.params.id)),
    });
  action(
    'publish',
    publishRelease,
    'Publish a draft: entitled licenses may download it',
    'Needs at least one uploaded artifact. publishedAt is set now; maintenance windows compare with backdatedTo when set.',
  );
  action('yank', yankRelease, 'Withdraw a published release', 'No more downloads of it and no upgrades to it; its history stays.');

  app.get('/v1/releases/:id/downloads', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'listReleaseDownloads',
      summary: 'Who downloaded this release: license, customer, device, address, user agent',
      description: 'Every download URL granted for the release, newest first; filter by customer, entitlement or artifact id.',
      params: IdParams,
      querystring: DownloadListQuery,
      response: answers(200, ListOf(Download), ['NOT_FOUND']),
    },
    handler: async (req) => {
      const { limit, cursor, customer, entitlement, artifact } = req.query;
      const filter = {
        ...(customer ? { customerId: customer } : {}),
        ...(entitlement ? { entitlementId: entitlement } : {}),
        ...(artifact ? { artifactId: artifact } : {}),
      };
      return pageOut(await releaseDownloads(contextOf(services, req), req.params.id, filter, { limit: limit ?? 50, cursor }), downloadOut);
    },
  });

  app.get('/v1/releases/:id/audience', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'getReleaseAudience',
      summary: 'How many customers, licenses and devices a release reaches, and how many run it',
      description:
        'Counts the licenses of the product that may download the release (as if published now, for a draft), their customers, and their live devices (on `platform` when given) by the version they last reported: `below` is whom the upgrade will be offered to, `adoption` the share already on it or newer.',
      params: IdParams,
      querystring: AudienceQuery,
      response: answers(200, ReleaseAudience, ['NOT_FOUND']),
    },
    handler: async (req) => releaseAudience(contextOf(services, req), req.params.id, req.query.platform),
  });

  app.get('/v1/releases/:id/rollout', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'getReleaseRollout',
      summary: "A release's rollout, with how many customers and devices it reaches and how many upgraded",
      description:
        'The rollout (null when the release is offered to every entitled license) and its audience: `devices.below` the devices the upgrade is offered to now (from the versions they last reported), `affectedCustomers` their customers, `devices.atOrAbove` those that already run it or newer.',
      params: IdParams,
      querystring: AudienceQuery,
      response: answers(200, RolloutAnswer, ['NOT_FOUND']),
    },
    handler: async (req) => {
      const ctx = contextOf(services, req);
      const view = await getRelease(ctx, req.params.id);
      return {
        rollout: view.record.rollout && rolloutOut(view.record.rollout),
        audience: await releaseAudience(ctx, req.params.id, req.query.platform),
      };
    },
  });

  app.put('/v1/releases/:id/rollout', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'setReleaseRollout',
      summary: 'Target a release at selected customers, licenses, offerings or devices, optionally a percentage',
      description:
        'Replaces the rollout. Selectors (`customers`, `entitlements`, `offerings`, `devices` by fingerprint) add up; none targets every entitled license. Filters narrow to devices: `versions` (a range of the version the device runs), `platforms`, `percentage` (deterministic per device: a hash of release id and fingerprint). Only the upgrade endpoint honours it; entitled licenses may still download the release. Widen it as you go, before or after publishing.',
      params: IdParams,
      body: RolloutInput,
      response: answers(200, Release, ['NOT_FOUND']),
    },
    handler: async (req) => releaseOut(await setRollout(contextOf(services, req), req.params.id, req.body)),
  });

  app.delete('/v1/releases/:id/rollout', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'clearReleaseRollout',
      summary: 'End the rollout: the release is offered to every entitled license',
      description: 'Clears the targeting; the upgrade endpoint offers the release to every license that may download it.',
      params: IdParams,
      response: answers(200, Release, ['NOT_FOUND']),
    },
    handler: async (req) => releaseOut(await setRollout(contextOf(services, req), req.params.id, null)),
  });

  app.post('/v1/releases/:id/rollout/preview', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'previewReleaseRollout',
      summary: 'How many customers and devices a candidate rollout would reach, without saving it',
      description: 'The audience of the release as if its rollout were the body: for choosing a rollout before setting or publishing it.',
      params: IdParams,
      querystring: AudienceQuery,
      body: RolloutInput,
      response: answers(200, ReleaseAudience, ['NOT_FOUND']),
    },
    handler: async (req) => previewRollout(contextOf(services, req), req.params.id, req.body, req.query.platform),
  });

  app.get('/v1/customers/:id/downloads', {
    config: { permission: 'entitlements:read' },
    schema: {
      tags,
      operationId: 'listCustomerDownloads',
      summary: "A customer's download history, across releases",
      description: 'Every download URL granted to the customer’s licenses, newest first (for a product-scoped key: of its product).',
      params: IdParams,
      querystring: ListQuery,
      response: answers(200, ListOf(Download), ['NOT_FOUND']),
    },
    handler: async (req) =>
      pageOut(
        await customerDownloads(contextOf(services, req), req.params.id, { limit: req.query.limit ?? 50, cursor: req.query.cursor }),
        downloadOut,
      ),
  });
}
