import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openServices } from './bootstrap.js';
import { buildApp } from './platform/http/app.js';

/**
 * The OpenAPI document the server serves at /openapi.json, made without a port or a real database:
 * the app is built in-process on a throwaway SQLite file. For client generators and the linter.
 */
export async function openapiDocument(options: { publicUrl?: string } = {}): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'leasehold-openapi-'));
  try {
    const started = await openServices({ dataDir, databaseUrl: null, pgPoolSize: 1, masterKey: null, adminKey: null });
    try {
      const app = await buildApp(started.services, { publicUrl: options.publicUrl });
      const document = app.swagger() as unknown as Record<string, unknown>;
      await app.close();
      return document;
    } finally {
      await started.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
