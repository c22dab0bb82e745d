/**
 * What the catalog's rules ask of storage. The store implements these (capabilities/catalog/store/);
 * every method is bound to the scope of the transaction it came from (an account, maybe a product).
 */
import type { FeatureRecord, OfferingRecord, Page, PageRequest, ProductRecord } from '../../platform/domain/model.js';

export interface ProductsPort {
  /** By id or code. */
  find(ref: string): Promise<ProductRecord | undefined>;
  list(page: PageRequest): Promise<Page<ProductRecord>>;
  /** Refuses a taken code with the store's conflict (`product.code`). */
  insert(p: ProductRecord): Promise<void>;
  update(p: ProductRecord): Promise<void>;
  /** Deletes the product and its features; the caller has checked that no offering uses it. */
  delete(id: string): Promise<void>;
}

export interface FeaturesPort {
  /** A feature of the product, by id or code. */
  find(productId: string, ref: string): Promise<FeatureRecord | undefined>;
  /** Every feature of the product. */
  allOf(productId: string): Promise<FeatureRecord[]>;
  list(productId: string, page: PageRequest): Promise<Page<FeatureRecord>>;
  /** Refuses a code the product already has with the store's conflict (`feature.code`). */
  insert(f: FeatureRecord): Promise<void>;
  update(f: FeatureRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

export interface OfferingFilter {
  productId?: string | undefined;
}

/** Offerings; every write also keeps the offering's version, so past rights can be recomputed. */
export interface OfferingsPort {
  /** By id or code. */
  find(ref: string): Promise<OfferingRecord | undefined>;
  list(filter: OfferingFilter, page: PageRequest): Promise<Page<OfferingRecord>>;
  countForProduct(productId: string): Promise<number>;
  /** Offerings of the product whose feature values name this feature code. */
  usingFeature(productId: string, code: string): Promise<OfferingRecord[]>;
  /** The offering as it stood at `at`. */
  versionAsOf(offeringId: string, at: number): Promise<OfferingRecord | undefined>;
  /** Refuses a taken code with the store's conflict (`offering.code`). */
  insert(o: OfferingRecord): Promise<void>;
  update(o: OfferingRecord): Promise<void>;
  delete(id: string): Promise<void>;
}

/** Its repositories, in the transaction every service is handed (`Tx`, platform/domain/ports.ts). */
declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly products: ProductsPort;
    readonly features: FeaturesPort;
    readonly offerings: OfferingsPort;
  }
}
