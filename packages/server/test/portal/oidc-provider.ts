import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata } from 'oidc-provider';

/** Who the provider signs in next: its subject and the claims it asserts. */
export interface TestPerson {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
}

export interface TestProvider {
  issuer: string;
  /** Registers a client (before the first sign-in through it). */
  client(c: { clientId: string; clientSecret: string; redirectUri: string }): void;
  /** The person the next interaction signs in. */
  signInAs(person: TestPerson): void;
  /**
   * A browser's trip through the provider from the authorization URL: follows redirects, signs the
   * person in and consents, and stops at the first URL outside the provider (the callback).
   */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on a random local port. Its login and consent
 * are a small programmatic interaction: each interaction is finished at once for `signInAs`'s person.
 */
export async function startTestProvider(): Promise<TestProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const people = new Map<string, TestPerson>();
  let next: TestPerson | null = null;
  const clients: ClientMetadata[] = [];
  let provider: Provider | null = null;
  // The provider's own signing key for ID tokens, made for this run.
  const signingKey = {
    ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
    kid: 'test',
    use: 'sig',
  };

  const build = () => {
    const p = new Provider(issuer, {
      clients,
      jwks: { keys: [signingKey as never] },
      claims: { email: ['email', 'email_verified'], profile: ['name'] },
      features: { devInteractions: { enabled: false } },
      pkce: { required: () => true },
      cookies: { keys: ['test-cookie-key-test-cookie-key'] },
      findAccount: (_ctx, sub) => {
        const person = people.get(sub);
        return person ? { accountId: sub, claims: () => ({ ...person }) } : undefined;
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    });
    const callback = p.callback();
    handler = async (req, res) => {
      if (!req.url?.startsWith('/interaction/')) return callback(req, res);
      try {
        const details = await p.interactionDetails(req, res);
        const person = next;
        if (!person) throw new Error('signInAs was not called');
        people.set(person.sub, person);
        const grant = new p.Grant({ accountId: person.sub, clientId: String(details.params['client_id']) });
        grant.addOIDCScope('openid email profile');
        await p.interactionFinished(
          req,
          res,
          { login: { accountId: person.sub }, consent: { grantId: await grant.save() } },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        res.statusCode = 500;
        res.end(String(error));
      }
    };
    return p;
  };

  return {
    issuer,
    client(c) {
      clients.push({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: [c.redirectUri],
        token_endpoint_auth_method: 'client_secret_post',
      });
      // Clients are static configuration: the provider is made anew with them.
      provider = build();
    },
    signInAs(person) {
      next = person;
    },
    async authorize(authorizationUrl) {
      if (!provider) throw new Error('register a client first');
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10 && url.origin === issuer; hop++) {
        const res = await fetch(url, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const set of res.headers.getSetCookie()) {
          const [pair] = set.split(';');
          const eq = pair!.indexOf('=');
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        const location = res.headers.get('location');
        if (!location) throw new Error(`the provider answered ${res.status} without a redirect: ${(await res.text()).slice(0, 300)}`);
        url = new URL(location, url);
      }
      return url;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
