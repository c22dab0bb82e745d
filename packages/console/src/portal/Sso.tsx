import { Alert, Button, Stack } from '@mantine/core';
import { useEffect, useState } from 'react';
import { portalApi } from './api';
import { STRINGS as S } from './strings';

type Choice = { id: string; name: string; vendor: string; startUrl: string };

/** The domain of an address being typed, once it looks whole (`a@acme.com`). */
const domainOf = (email: string): string | null => {
  const m = /^[^\s@]+@([^\s@]+\.[a-z]{2,})$/i.exec(email.trim());
  return m ? m[1]!.toLowerCase() : null;
};

/**
 * "Sign in with …" for the SSO connections that allow the typed address's domain. Only the domain
 * is sent, never the address; the button goes to the connection's start, which carries the
 * address on to the provider as a login hint.
 */
export function SsoChoices({ email }: { email: string }) {
  const domain = domainOf(email);
  const [choices, setChoices] = useState<Choice[]>([]);
  useEffect(() => {
    if (!domain) return setChoices([]);
    const timer = setTimeout(() => {
      portalApi<{ connections: Choice[] }>('GET', `/sso/connections?domain=${encodeURIComponent(domain)}`).then(
        (r) => setChoices(r.connections),
        () => setChoices([]),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [domain]);
  if (choices.length === 0) return null;
  const several = new Set(choices.map((c) => c.vendor)).size > 1;
  return (
    <Stack gap="xs">
      {choices.map((c) => (
        <Button
          key={c.id}
          component="a"
          variant="light"
          href={`${c.startUrl}?login_hint=${encodeURIComponent(email.trim())}`}
          data-testid="sso-button"
        >
          {S.ssoSignIn(c.name, several ? c.vendor : null)}
        </Button>
      ))}
    </Stack>
  );
}

/** Why an SSO sign-in was refused: the callback sends the browser back with `#sso_error=CODE`. */
export function SsoError() {
  const [code] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('sso_error'));
  useEffect(() => {
    if (code) window.history.replaceState(null, '', window.location.pathname);
  }, [code]);
  if (!code) return null;
  return (
    <Alert color="red" data-testid="sso-error">
      {S.ssoErrors[code as keyof typeof S.ssoErrors] ?? S.ssoErrors.default}
    </Alert>
  );
}
