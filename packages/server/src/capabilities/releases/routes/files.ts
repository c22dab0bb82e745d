import { Artifact, SignedFileParams, SignedFileQuery } from '@leasehold/contract';
import type { Readable } from 'node:stream';
import { DomainError } from '../../../platform/domain/errors.js';
import { answers, type App } from '../../../platform/http/route-kit.js';
import type { Services } from '../../../platform/http/services.js';
import { acceptsUpload, completeUpload, getArtifact, storedFile, type ArtifactContext } from '../artifacts.js';
import { FilesystemStorage, UploadTooLarge } from '../storage/filesystem.js';
import { contentDisposition } from '../storage/s3.js';
import type { LinkOp } from '../storage/signed-links.js';
import { newArtifactOut } from './wire.js';

const tags = ['releases'];
const LINK: ['LINK_EXPIRED', 'LINK_INVALID', 'NOT_FOUND'] = ['LINK_EXPIRED', 'LINK_INVALID', 'NOT_FOUND'];

interface FileLink {
  params: { account: string; artifact: string };
  query: { expires: string; signature: string };
  id: string;
}

/**
 * The filesystem storage's signed URLs, served by Leasehold itself: PUT receives an upload, GET
 * streams a download. They take no credentials: the signature is the permission, and it names the
 * operation, the account, the artifact and the expiry.
 */
export function fileRoutes(app: App, services: Services): void {
  // Uploads arrive as a stream (never buffered) and go straight to disk.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));

  const filesystem = (): FilesystemStorage => {
    const fs = services.artifacts.get('fs');
    if (!(fs instanceof FilesystemStorage)) throw new Error('the filesystem artifact storage is not configured');
    return fs;
  };

  /** The artifact a signed link names, once the signature holds; 403 before any query when it does not. */
  const linked = async (req: FileLink, op: LinkOp) => {
    const { account, artifact } = req.params;
    const verdict = filesystem().signer.check(
      op,
      { accountId: account, artifactId: artifact, objectKey: `${account}/${artifact}`, ...req.query },
      services.clock.now(),
    );
    if (verdict === 'invalid') throw new DomainError('LINK_INVALID', 'The link is not valid (altered, or for another file).');
    if (verdict === 'expired') throw new DomainError('LINK_EXPIRED', 'The link has expired; ask for a new one.');
    const ctx: ArtifactContext = {
      store: services.store.forAccount({ accountId: account, productId: null }),
      clock: services.clock,
      ids: services.ids,
      secrets: services.secrets,
      actor: { type: 'system', id: 'signed-upload' },
      requestId: req.id,
      storages: services.artifacts,
      keyring: services.keyring,
    };
    return { ctx, view: await getArtifact(ctx, artifact) };
  };

  app.put('/v1/files/:account/:artifact', {
    // The signature is the permission (checked first, before any query).
    config: { public: true },
    schema: {
      tags,
      operationId: 'uploadArtifactFile',
      summary: "Receive an artifact's bytes at its signed upload URL (filesystem storage)",
      description:
        'The `uploadUrl` of an artifact in filesystem storage. Send the file as the body with `Content-Type: application/octet-stream`; it is streamed to disk, measured, compared with the declared size and sha256, and signed. Answers the uploaded artifact.',
      params: SignedFileParams,
      querystring: SignedFileQuery,
      response: answers(200, Artifact, [...LINK, 'INVALID_STATE', 'ARTIFACT_MISMATCH']),
    },
    handler: async (req) => {
      const { ctx, view } = await linked(req, 'put');
      const refusal = acceptsUpload(view.record);
      if (refusal) throw refusal;
      const file = storedFile(req.params.account, view.record);
      const measured = await filesystem()
        .write(file, req.body as Readable, view.record.expectedSize)
        .catch((error: unknown) => {
          if (!(error instanceof UploadTooLarge)) throw error;
          throw new DomainError('ARTIFACT_MISMATCH', `The upload is larger than the ${error.limit} bytes the artifact declared.`, {
            mismatch: ['size'],
          });
        });
      return newArtifactOut(await completeUpload(ctx, view.record.id, measured));
    },
  });

  app.get('/v1/files/:account/:artifact', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'downloadArtifactFile',
      summary: 'Stream an artifact from its signed download URL (filesystem storage)',
      description: 'Where `GET /v1/client/artifacts/{id}` redirects for filesystem storage. Valid until the expiry it was signed with.',
      params: SignedFileParams,
      querystring: SignedFileQuery,
      response: answers(200, { type: 'string', format: 'binary', description: 'The file' } as never, [...LINK]),
    },
    handler: async (req, reply) => {
      const { view } = await linked(req, 'get');
      const file = storedFile(req.params.account, view.record);
      const body = await filesystem().open(file);
      if (!body || view.record.status !== 'uploaded') throw new DomainError('NOT_FOUND', 'The file is not there.');
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', contentDisposition(view.record.filename))
        .header('content-length', String(view.record.size))
        .header('cache-control', 'private, no-store')
        .send(body);
    },
  });
}
