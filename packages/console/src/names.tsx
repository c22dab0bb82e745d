import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ActorName, Customer, Feature, Offering, Product } from '@leasehold/contract';
import { all, get, type Page } from './api';
import { emptyDirectory, type Directory } from './naming';

interface Loaded {
  customers: Map<string, string>;
  products: Map<string, string>;
  offerings: Map<string, string>;
  features: Map<string, string>;
  actors: Map<string, string>;
}

interface NamesState extends Directory {
  /** Load again (after a create or rename); misses also trigger one, at most every few seconds. */
  refresh: () => void;
  /** Every customer, by name (pickers). */
  customerList: () => Array<{ id: string; name: string }>;
}

const NamesContext = createContext<NamesState>({ ...emptyDirectory, refresh: () => {}, customerList: () => [] });

async function loadNames(): Promise<Loaded> {
  const [customers, products, offerings, actors] = await Promise.all([
    all<Customer>('/v1/customers'),
    all<Product>('/v1/products'),
    all<Offering>('/v1/offerings'),
    get<Page<ActorName>>('/v1/actors').then(
      (p) => p.data,
      () => [] as ActorName[],
    ),
  ]);
  const features = new Map<string, string>();
  const lists = await Promise.all(products.map((p) => all<Feature>(`/v1/products/${p.id}/features`).catch(() => [] as Feature[])));
  for (const f of lists.flat()) {
    features.set(`${f.productId}:${f.code}`, f.name);
    features.set(f.id, f.name);
  }
  return {
    customers: new Map(customers.map((c) => [c.id, c.name])),
    products: new Map(products.map((p) => [p.id, p.name])),
    offerings: new Map(offerings.map((o) => [o.id, o.name])),
    features,
    actors: new Map(actors.map((a) => [`${a.type}:${a.id}`, a.name])),
  };
}

const MISS_REFRESH_MS = 5000;

/**
 * The names of the account's customers, products, offerings, features, console users and API keys,
 * loaded once and again when an id turns up that they do not hold (something created since).
 */
export function NamesProvider({ children }: { children: ReactNode }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const last = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);
  const refresh = useCallback(() => {
    // A refresh asked for while one runs runs after it: what it was asked for may postdate the first.
    if (busy.current) return void (again.current = true);
    busy.current = true;
    last.current = Date.now();
    const done = () => {
      busy.current = false;
      if (again.current) {
        again.current = false;
        refresh();
      }
    };
    loadNames().then(
      (l) => (setLoaded(l), done()),
      () => done(),
    );
  }, []);
  useEffect(refresh, [refresh]);
  const value = useMemo<NamesState>(() => {
    const miss = () => {
      if (Date.now() - last.current > MISS_REFRESH_MS) setTimeout(refresh, 0);
      return undefined;
    };
    const look = (m: Map<string, string> | undefined, key: string) => (m ? (m.get(key) ?? miss()) : undefined);
    return {
      refresh,
      customerList: () =>
        [...(loaded?.customers ?? new Map<string, string>())]
          .map(([id, name]) => ({ id, name }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      customer: (id) => look(loaded?.customers, id),
      product: (id) => look(loaded?.products, id),
      offering: (id) => look(loaded?.offerings, id),
      feature: (productId, codeOrId) =>
        loaded?.features.get(codeOrId) ?? (productId ? look(loaded?.features, `${productId}:${codeOrId}`) : undefined),
      actor: (type, id) => look(loaded?.actors, `${type}:${id}`),
    };
  }, [loaded, refresh]);
  return <NamesContext.Provider value={value}>{children}</NamesContext.Provider>;
}

export const useNames = (): NamesState => useContext(NamesContext);
