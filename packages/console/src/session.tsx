import { Button, Center, Paper, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Session } from '@leasehold/contract';
import { ApiError, del, get, post, setCsrfToken, whenSignedOut } from './api';
import { ErrorState, Loading, useFormErrors } from './ui';

interface SessionState {
  session: Session;
  signOut: () => Promise<void>;
  can: (what: 'write' | 'catalog' | 'keys') => boolean;
}

const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionGate');
  return s;
}

/** Shows first-user setup, sign-in, or the console, depending on the server and the cookie. */
export function SessionGate({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [mode, setMode] = useState<'loading' | 'setup' | 'signin' | 'in' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);

  const accept = (s: Session) => {
    setCsrfToken(s.csrfToken);
    setSession(s);
    setMode('in');
  };

  const check = async () => {
    setMode('loading');
    try {
      accept(await get<Session>('/v1/session'));
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) {
        setError(e);
        setMode('error');
        return;
      }
      try {
        const { needed } = await get<{ needed: boolean }>('/v1/session/setup');
        setMode(needed ? 'setup' : 'signin');
      } catch (e2) {
        setError(e2);
        setMode('error');
      }
    }
  };

  useEffect(() => {
    whenSignedOut(() => {
      setCsrfToken(null);
      setSession(null);
      setMode('signin');
    });
    void check();
  }, []);

  if (mode === 'loading') return <Loading label="Opening the console…" />;
  if (mode === 'error')
    return (
      <Center p="xl">
        <ErrorState error={error} onRetry={check} />
      </Center>
    );
  if (mode === 'setup') return <SignInForm setup onDone={accept} />;
  if (mode === 'signin' || !session) return <SignInForm onDone={accept} />;

  const role = session.user.role;
  const value: SessionState = {
    session,
    signOut: async () => {
      await del('/v1/session').catch(() => undefined);
      setCsrfToken(null);
      setSession(null);
      setMode('signin');
    },
    can: (what) => (what === 'write' ? role !== 'readonly' : role === 'admin'),
  };
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function SignInForm({ setup = false, onDone }: { setup?: boolean; onDone: (s: Session) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  // Filled when the email and password open users in several accounts (409 ACCOUNT_REQUIRED): pick one.
  const [accounts, setAccounts] = useState<Array<{ id: string; name: string }>>([]);
  const [account, setAccount] = useState<string | null>(null);
  const form = useFormErrors();
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void form.submit(async () => {
              onDone(
                setup
                  ? await post<Session>('/v1/session/setup', { email, name, password })
                  : await post<Session>('/v1/session', { email, password, ...(account ? { account } : {}) }).catch((error: unknown) => {
                      if (error instanceof ApiError && error.body.code === 'ACCOUNT_REQUIRED') {
                        setAccounts((error.body.details?.['accounts'] as Array<{ id: string; name: string }> | undefined) ?? []);
                      }
                      throw error;
                    }),
              );
            });
          }}
        >
          <Stack>
            <div>
              <Title order={2}>{setup ? 'Welcome to Leasehold' : 'Sign in'}</Title>
              <Text c="dimmed" size="sm">
                {setup
                  ? 'This server has no console users yet. The first one becomes an admin.'
                  : 'Leasehold console — licensing and entitlements.'}
              </Text>
            </div>
            {setup && (
              <TextInput
                label="Your name"
                required
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={form.fields['name']}
              />
            )}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={form.fields['email']}
            />
            <PasswordInput
              label="Password"
              autoComplete={setup ? 'new-password' : 'current-password'}
              description={setup ? 'At least 10 characters' : undefined}
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={form.fields['password']}
            />
            {accounts.length > 0 && (
              <Select
                label="Account"
                required
                data={accounts.map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
                value={account}
                onChange={setAccount}
                error={form.fields['account']}
              />
            )}
            <form.FormError />
            <Button type="submit" loading={form.busy}>
              {setup ? 'Create admin and sign in' : 'Sign in'}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
