import type { Capability } from '../../platform/capability.js';
import { featureRoutes } from './routes/features.js';
import { offeringRoutes } from './routes/offerings.js';
import { productRoutes } from './routes/products.js';

/** What the vendor sells: products, their features, and offerings (plans, editions) of them. */
export const catalog: Capability = {
  name: 'catalog',
  tags: [{ name: 'catalog', description: 'Products, features and offerings' }],
  routes: (app, services) => {
    productRoutes(app, services);
    featureRoutes(app, services);
    offeringRoutes(app, services);
  },
};
