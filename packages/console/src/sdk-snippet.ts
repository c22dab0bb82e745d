/** The code an application needs, with this server's URL, the account and its signing key id. */
export function sdkSnippet(o: { serverUrl: string; accountId: string; productCode: string; keyIds: string[]; jwksUrl: string }): string {
  return `import { Leasehold } from '@leasehold/sdk';
import { readFileSync } from 'node:fs';

// jwks.json is ${o.jwksUrl}
// (signing key ${o.keyIds.join(', ') || '…'}), downloaded once and shipped with the application.
const license = await Leasehold.open({
  serverUrl: '${o.serverUrl}',
  product: '${o.productCode}',
  account: '${o.accountId}',
  publicKeys: JSON.parse(readFileSync(new URL('./jwks.json', import.meta.url), 'utf8')),
  cacheDir: '/path/only/this/user/can/write',
});

if (license.status().code === 'NO_LICENSE') await license.activate('<the license key>');
console.log(license.hasFeature('export'));`;
}
