import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { App } from './route-kit.js';

export interface SecurityHeaderOptions {
  /** Seconds for Strict-Transport-Security; 0 sends none (the server may be reached over plain HTTP). */
  hstsMaxAge: number;
}

/**
 * The API answers JSON, which a browser must never render as a page, frame, or sniff as script: a
 * CSP that allows nothing, no framing, no referrer. Pages that do render (the console, /docs) send
 * their own CSP from their scope. HSTS is sent only when the operator says every client comes over
 * HTTPS: on a server reached over plain HTTP it would lock browsers out for max-age seconds.
 */
export async function installSecurityHeaders(app: App, options: SecurityHeaderOptions): Promise<void> {
  // helmet's own choices, worked out once: nothing in them varies per request, and running its
  // middleware chain on every request cost more than the rest of a validation's own work.
  const headers = Object.fromEntries(
    helmetHeaders({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: options.hstsMaxAge > 0 ? { maxAge: options.hstsMaxAge, includeSubDomains: false } : false,
      // The client API and the JWKS are fetched by SDKs and other servers, not embedded by pages.
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }),
  );
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/** The headers helmet sets for these options, read off its middleware run once against a stand-in response. */
export function helmetHeaders(options: HelmetOptions): Array<[string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
    },
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return [...headers];
}
