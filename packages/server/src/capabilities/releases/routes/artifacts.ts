import { Artifact, ArtifactCreate, ArtifactResign, ArtifactResignAnswer, ArtifactUpload, IdParams, ListOf } from '@leasehold/contract';
import { contextOf } from '../../access/routes/auth.js';
import { answers, noContent, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { iso } from '../../../platform/http/wire.js';
import { completeUpload, createArtifact, deleteArtifact, getArtifact, listArtifacts, resignArtifacts } from '../artifacts.js';
import { artifactContextOf } from './context.js';
import { artifactOut, newArtifactOut } from './wire.js';

const tags = ['releases'];

/** The files of a release: declared, uploaded to a signed URL, checked and signed. */
export function artifactRoutes(app: App, services: Services): void {
  app.post('/v1/releases/:id/artifacts', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'createArtifact',
      summary: 'Declare a file of a release; answers the URL to PUT its bytes to',
      description:
        'The bytes go to `uploadUrl` with a PUT (valid one hour): the filesystem storage receives them itself and checks them at once; for S3 storage, call `POST /v1/artifacts/{id}/complete` after the PUT. The size and sha256 are computed and compared with `size` and `sha256` when given; the file is then signed with the account signing key.',
      params: IdParams,
      body: ArtifactCreate,
      response: answers(201, ArtifactUpload, ['NOT_FOUND', 'INVALID_STATE', 'UNKNOWN_FEATURE']),
    },
    handler: async (req, reply) => {
      const out = await createArtifact(artifactContextOf(services, req), req.params.id, req.body);
      return reply
        .code(201)
        .send({ artifact: newArtifactOut(out.artifact), uploadUrl: out.uploadUrl, uploadExpiresAt: iso(out.expiresAt) });
    },
  });

  app.get('/v1/releases/:id/artifacts', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'listArtifacts',
      summary: "A release's artifacts",
      description: 'Every file of the release, with its upload status, size, sha256, signature and download count.',
      params: IdParams,
      response: answers(200, ListOf(Artifact), ['NOT_FOUND']),
    },
    handler: async (req) => ({ data: (await listArtifacts(contextOf(services, req), req.params.id)).map(artifactOut), nextCursor: null }),
  });

  app.get('/v1/artifacts/:id', {
    config: { permission: 'catalog:read' },
    schema: {
      tags,
      operationId: 'getArtifact',
      summary: 'Read an artifact',
      description: 'Its upload status, size, sha256 and signature (verifiable with the account JWKS; see docs/releases.md).',
      params: IdParams,
      response: answers(200, Artifact, ['NOT_FOUND']),
    },
    handler: async (req) => artifactOut(await getArtifact(contextOf(services, req), req.params.id)),
  });

  app.post('/v1/artifacts/:id/complete', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'completeArtifactUpload',
      summary: 'Check and sign bytes PUT straight to object storage',
      description:
        'For S3 storage, whose presigned PUT Leasehold does not see: reads the object back once, computes size and sha256, compares them with what was declared (ARTIFACT_MISMATCH marks the artifact failed and removes the bytes) and signs the file.',
      params: IdParams,
      response: answers(200, Artifact, ['NOT_FOUND', 'INVALID_STATE', 'ARTIFACT_MISMATCH']),
    },
    handler: async (req) => newArtifactOut(await completeUpload(artifactContextOf(services, req), req.params.id)),
  });

  app.post('/v1/artifacts/resign', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'resignArtifacts',
      summary: 'Sign artifacts again with the active signing key, after a rotation',
      description:
        'Uploaded artifacts whose signature was made by another key (an older, rotated one) are signed again with the active key, from their recorded name, size and sha256 (no byte is read), up to `limit` per call; `more` says whether to call again. Installers that pin the new key then verify old files too. Each is an `artifact.resigned` event.',
      querystring: ArtifactResign,
      response: answers(200, ArtifactResignAnswer, []),
    },
    handler: async (req) => resignArtifacts(artifactContextOf(services, req), req.query.limit ?? 200),
  });

  app.delete('/v1/artifacts/:id', {
    config: { permission: 'catalog:write' },
    schema: {
      tags,
      operationId: 'deleteArtifact',
      summary: 'Delete an artifact nobody downloaded',
      description: 'Removes the record and its bytes. A downloaded artifact is kept for the download history (IN_USE).',
      params: IdParams,
      response: noContent(['NOT_FOUND', 'IN_USE', 'INVALID_STATE']),
    },
    handler: async (req, reply) => {
      await deleteArtifact(artifactContextOf(services, req), req.params.id);
      return reply.code(204).send();
    },
  });
}
