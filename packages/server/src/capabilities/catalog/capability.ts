import type { Capability } from '../../platform/capability.js';
import { managementAuth } from '../access/routes/auth.js';
import { featureRoutes } from './routes/features.js';
import { offeringRoutes } from './routes/offerings.js';
import { productRoutes } from './routes/products.js';
import { FeatureRepository } from './store/features.js';
import { OfferingRepository } from './store/offerings.js';
import { ProductRepository } from './store/products.js';
// Its tables join the one DB type wherever the capability is compiled, whichever repositories a program reaches.
import type {} from './store/tables.js';

/** What the vendor sells: products, their features, and offerings (plans, editions) of them. */
export const catalog = {
  name: 'catalog',
  repositories: (ctx) => ({
    products: new ProductRepository(ctx),
    features: new FeatureRepository(ctx),
    offerings: new OfferingRepository(ctx),
  }),
  auth: [managementAuth],
  tags: [{ name: 'catalog', description: 'Products, features and offerings' }],
  routes: (app, services) => {
    productRoutes(app, services);
    featureRoutes(app, services);
    offeringRoutes(app, services);
  },
} satisfies Capability;
