import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '@leasehold/contract';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';
import { newSigningSecret, signatureHeader } from '../../src/capabilities/webhooks/signing.js';
import { RETRY_SCHEDULE_MS } from '../../src/capabilities/webhooks/schedule.js';

const doc = readFileSync(join(REPO_ROOT, 'docs', 'webhooks.md'), 'utf8');
const python = /```python\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('docs/webhooks.md', () => {
  it('shows every event type with an example payload', () => {
    for (const type of Object.keys(EVENT_TYPES)) {
      const at = doc.indexOf(`### \`${type}\`\n`);
      expect(at, type).toBeGreaterThan(0);
      const example = /```json\n([\s\S]*?)```/.exec(doc.slice(at))![1]!;
      expect(JSON.parse(example), type).toMatchObject({ type, data: { type } });
    }
  });

  it('states the retry schedule the server uses', () => {
    expect(RETRY_SCHEDULE_MS.map((ms) => ms / 1000)).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(doc).toContain('| after the previous failure | immediately | 5 s | 5 min | 30 min | 2 h | 5 h | 10 h | 14 h | 20 h | 24 h |');
  });

  it.skipIf(!hasPython)(
    'its Python verifier accepts a real delivery, and refuses a tampered body, a wrong secret and an old timestamp',
    () => {
      const secret = newSigningSecret();
      const body = JSON.stringify({ type: 'entitlement.suspended', timestamp: new Date().toISOString(), data: { id: 'evt_1' } });
      const now = Math.floor(Date.now() / 1000);
      const run = (s: string, ts: number, b: string, sigSecrets = [secret]) =>
        execFileSync(
          'python3',
          [
            '-c',
            `${python}\nimport json, sys\na = json.loads(sys.argv[1])\ntry:\n    verify(a['secret'], a['headers'], a['body'].encode())\n    print('ok')\nexcept ValueError as e:\n    print('refused', e)\n`,
            JSON.stringify({
              secret: s,
              body: b,
              headers: {
                'webhook-id': 'evt_1',
                'webhook-timestamp': String(ts),
                'webhook-signature': signatureHeader(sigSecrets, 'evt_1', ts, body),
              },
            }),
          ],
          { encoding: 'utf8' },
        ).trim();
      expect(run(secret, now, body)).toBe('ok');
      // During a rotation: two signatures, the receiver's (old) secret is the second.
      expect(run(secret, now, body, [newSigningSecret(), secret])).toBe('ok');
      expect(run(secret, now, body.replace('suspended', 'resumed'))).toMatch(/^refused/);
      expect(run(newSigningSecret(), now, body)).toMatch(/^refused/);
      expect(run(secret, now - 600, body)).toMatch(/^refused timestamp/);
    },
  );
});
