import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { licenseAuth } from '../licensing/routes/license-auth.js';
import { artifactRoutes } from './routes/artifacts.js';
import { clientReleaseRoutes } from './routes/client.js';
import { fileRoutes } from './routes/files.js';
import { releaseRoutes } from './routes/releases.js';
import * as m0020 from './store/0020_releases.js';
import * as m0037 from './store/0037_rollouts.js';
import { ArtifactRepository } from './store/artifacts.js';
import { DownloadRepository } from './store/downloads.js';
import { ReleaseRepository } from './store/releases.js';

/** Releases and their files, downloads gated by entitlement and counted, upgrades and critical patches. */
export const releases = {
  name: 'releases',
  repositories: (ctx) => ({
    releases: new ReleaseRepository(ctx),
    artifacts: new ArtifactRepository(ctx),
    downloads: new DownloadRepository(ctx),
  }),
  migrations: { '0020_releases': m0020, '0037_rollouts': m0037 },
  auth: [managementAuth, licenseAuth],
  tags: [{ name: 'releases', description: 'Releases, their artifacts, gated downloads and who downloaded what' }],
  routes: (app, services) => {
    releaseRoutes(app, services);
    artifactRoutes(app, services);
    clientReleaseRoutes(app, services);
    fileRoutes(app, services);
  },
} satisfies Capability;
