import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { generateCodes } from './generate.js';
import { codeBatchRoutes } from './routes/code-batches.js';
import { partnerRoutes } from './routes/partners.js';
import { redeemRoutes } from './routes/redeem.js';
import { CodeBatchRepository, PartnerCodeRepository } from './store/codes.js';
import { PartnerRepository } from './store/partners.js';
import { partnerCodesMigration } from './store/tables.js';

/** Channel partners and their authenticity codes: batches generated in the background, checked, redeemed once, voided. */
export const partners = {
  name: 'partners',
  repositories: (ctx) => ({
    partners: new PartnerRepository(ctx),
    codeBatches: new CodeBatchRepository(ctx),
    partnerCodes: new PartnerCodeRepository(ctx),
  }),
  migrations: { '0027_partner_codes': partnerCodesMigration },
  auth: [managementAuth],
  tags: [{ name: 'partners', description: 'Channel partners, their authenticity code batches, and redemption' }],
  routes: (app, services) => {
    partnerRoutes(app, services);
    codeBatchRoutes(app, services);
    redeemRoutes(app, services);
  },
  jobs: [{ name: 'partner code batches', everyMs: 1_000, run: (services, worker) => generateCodes(services, { worker }) }],
} satisfies Capability;
