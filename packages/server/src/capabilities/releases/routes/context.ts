import type { FastifyRequest } from 'fastify';
import { contextOf } from '../../access/routes/auth.js';
import { clientContextOf } from '../../licensing/routes/license-auth.js';
import type { Services } from '../../../platform/http/services.js';
import type { ArtifactContext } from '../artifacts.js';
import type { DownloadContext } from '../downloads.js';

/** A vendor request's context, with the storage drivers and the signing keys artifacts need. */
export function artifactContextOf(services: Services, request: FastifyRequest): ArtifactContext {
  return { ...contextOf(services, request), storages: services.artifacts, keyring: services.keyring };
}

/** A license request's context, with the storage drivers downloads are signed by. */
export function downloadContextOf(services: Services, request: FastifyRequest): DownloadContext {
  return { ...clientContextOf(services, request), storages: services.artifacts };
}
