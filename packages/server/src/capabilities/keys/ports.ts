/** What key generators ask of storage; the store implements it (capabilities/keys/store/). */
import type { KeyGeneratorKind } from '@leasehold/contract';
import type { Page, PageRequest } from '../../platform/domain/model.js';

export interface PatternSettings {
  pattern: string;
  alphabet?: string | undefined;
  checkDigit?: boolean | undefined;
}

export interface RemoteSettings {
  url: string;
  timeoutMs?: number | undefined;
  retries?: number | undefined;
}

/** How keys are made for a product, or for one offering of it (which wins over the product's). */
export interface KeyGeneratorRecord {
  id: string;
  productId: string;
  offeringId: string | null;
  kind: KeyGeneratorKind;
  pattern: PatternSettings | null;
  remote: RemoteSettings | null;
  /** A remote generator's Standard Webhooks secret, sealed under the master key. */
  secretSealed: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface KeyGeneratorsPort {
  insert(g: KeyGeneratorRecord): Promise<void>;
  update(g: KeyGeneratorRecord): Promise<void>;
  delete(id: string): Promise<void>;
  find(id: string): Promise<KeyGeneratorRecord | undefined>;
  list(filter: { productId?: string | undefined }, page: PageRequest): Promise<Page<KeyGeneratorRecord>>;
  /** The generator for an offering: its own, else its product's, else none. */
  forOffering(productId: string, offeringId: string): Promise<KeyGeneratorRecord | undefined>;
}

declare module '../../platform/domain/ports.js' {
  interface Tx {
    readonly keyGenerators: KeyGeneratorsPort;
  }
}
