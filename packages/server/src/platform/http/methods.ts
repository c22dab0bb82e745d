import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods some route serves at this path (no query string), in a fixed order; none for an unknown path. */
    allowedMethods(path: string): string[];
  }
}

const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Tells a known path asked with the wrong method (405, with `Allow`) from an unknown one (404).
 * Fastify's router only answers "no route for this method", so every route is also kept, without
 * a handler, in a router of its own that the not-found handlers ask, method by method; that costs
 * nothing on the routes that match. Installed before anything registers a route.
 */
export function installMethodIndex(app: FastifyInstance, options: { ignoreTrailingSlash: boolean }): void {
  const router = FindMyWay({ ignoreTrailingSlash: options.ignoreTrailingSlash });
  const methods = new Set<string>();
  const noop = () => {};
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (!router.hasRoute(method as HTTPMethod, route.url)) router.on(method as HTTPMethod, route.url, noop);
      methods.add(method);
    }
  });
  app.decorate('allowedMethods', (path: string) =>
    [...methods]
      .filter((m) => {
        try {
          return router.find(m as HTTPMethod, path) !== null;
        } catch {
          return false;
        }
      })
      .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)),
  );
}
