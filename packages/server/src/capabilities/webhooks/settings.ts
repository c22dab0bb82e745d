/**
 * The webhooks' settings, read from the environment when used (README's configuration table lists
 * them with the server's other settings).
 */
export interface WebhookSettings {
  /** LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true: private and loopback addresses and plain http are allowed. */
  allowPrivateNetworks: boolean;
  /** LEASEHOLD_WEBHOOKS_TIMEOUT_MS: the longest an attempt may take, connection to last byte. */
  timeoutMs: number;
  /** LEASEHOLD_WEBHOOKS_CONCURRENCY: deliveries in flight per endpoint, across all processes. */
  concurrency: number;
  /** LEASEHOLD_WEBHOOKS_RETENTION_DAYS: how long delivered and failed deliveries stay in the log. */
  retentionDays: number;
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return n;
}

export function webhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  return {
    allowPrivateNetworks: env['LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS'] === 'true',
    timeoutMs: whole(env, 'LEASEHOLD_WEBHOOKS_TIMEOUT_MS', 10_000, 100, 60_000),
    concurrency: whole(env, 'LEASEHOLD_WEBHOOKS_CONCURRENCY', 4, 1, 64),
    retentionDays: whole(env, 'LEASEHOLD_WEBHOOKS_RETENTION_DAYS', 30, 1, 3650),
  };
}

export const WEBHOOK_SETTINGS_TABLE = [
  {
    name: 'LEASEHOLD_WEBHOOKS_ALLOW_PRIVATE_NETWORKS',
    default: 'false',
    meaning:
      'true lets webhook endpoints be plain http and resolve to loopback, private or link-local addresses (development, tests, receivers inside your own network); otherwise only https to public addresses',
  },
  {
    name: 'LEASEHOLD_WEBHOOKS_TIMEOUT_MS',
    default: '10000',
    meaning: 'The longest one webhook delivery attempt may take, in milliseconds',
  },
  {
    name: 'LEASEHOLD_WEBHOOKS_CONCURRENCY',
    default: '4',
    meaning: 'Webhook deliveries in flight per endpoint, across all server processes',
  },
  {
    name: 'LEASEHOLD_WEBHOOKS_RETENTION_DAYS',
    default: '30',
    meaning: 'How long delivered and failed webhook deliveries (and their attempts) stay in the delivery log',
  },
];
