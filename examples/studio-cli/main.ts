/**
 * studio — a small command-line application licensed with @leasehold/sdk. It gates two features:
 * `export` (write a project to a file) and `cloud` (sync to the cloud); everything else is free.
 * `render` is metered: each run records its minutes against the `render-minutes` quota, online or
 * offline. `trial` starts a trial without a key.
 *
 *   STUDIO_SERVER   the Leasehold server (default http://127.0.0.1:8080; "none" for an air-gapped machine)
 *   STUDIO_JWKS     the vendor's public keys, shipped with the application (default: jwks.json beside this file)
 *   STUDIO_HOME     where the encrypted license cache lives (default ~/.studio)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Leasehold, LeaseholdError, type License, type LicenseStatus } from '@leasehold/sdk';

const server = process.env.STUDIO_SERVER ?? 'http://127.0.0.1:8080';
const home = resolve(process.env.STUDIO_HOME ?? join(homedir(), '.studio'));
const jwksFile = resolve(process.env.STUDIO_JWKS ?? join(dirname(fileURLToPath(import.meta.url)), 'jwks.json'));

function describe(s: LicenseStatus): string {
  const lines = [
    `license: ${s.code}${s.valid ? '' : ` — ${s.message}`}${!s.valid && s.permitted ? ` (mode ${s.mode}: still running)` : ''}`,
  ];
  if (s.entitlement) lines.push(`  customer: ${s.entitlement.customer.name}, plan: ${s.entitlement.offering.name}`);
  if (s.expiresAt) lines.push(`  lease: until ${s.expiresAt.toISOString()} (refresh from ${s.refreshAfter?.toISOString()})`);
  lines.push(`  features: ${Object.keys(s.features).length ? JSON.stringify(s.features) : 'none'}`);
  lines.push(`  server: ${s.online === null ? 'not asked yet' : s.online ? 'online' : 'offline'}`);
  return lines.join('\n');
}

/** The gate every licensed command goes through. */
function requireFeature(license: License, feature: string): void {
  if (license.hasFeature(feature)) return;
  const s = license.status();
  const why = s.permitted ? `your plan does not include "${feature}"` : s.message;
  console.error(`studio: ${feature} is not available: ${why}`);
  process.exitCode = 2;
  throw new Error('refused');
}

async function main(): Promise<void> {
  const [command = 'status', ...args] = process.argv.slice(2);
  const license = await Leasehold.open({
    serverUrl: server === 'none' ? null : server,
    product: 'studio',
    publicKeys: JSON.parse(readFileSync(jwksFile, 'utf8')),
    cacheDir: home,
    courtesy: { intervalMs: 10_000 },
  });
  license.on('violation', (v) => console.error(`studio: license warning (${v.mode} mode): ${v.message}`));
  license.on('usageRejected', (records) => {
    for (const r of records) console.error(`studio: the server refused ${r.quantity} ${r.feature} from ${r.at.toISOString()}: ${r.code}`);
  });
  try {
    switch (command) {
      case 'activate':
        console.log(describe(await license.activate(args[0])));
        break;
      case 'status':
        // Fresh rights when the server answers quickly; the cache otherwise.
        await Promise.race([license.settled(), new Promise((r) => setTimeout(r, 1_500))]);
        console.log(describe(license.status()));
        break;
      case 'refresh': {
        const outcome = await license.refresh({ force: true });
        console.log(outcome.refreshed ? 'refreshed' : `not refreshed: ${outcome.code}`);
        console.log(describe(outcome.status));
        break;
      }
      case 'export': {
        requireFeature(license, 'export');
        const file = args[0] ?? 'project.txt';
        writeFileSync(file, `A Studio project, exported ${new Date().toISOString()}\n`);
        console.log(`exported to ${file}`);
        break;
      }
      case 'render': {
        // Metered: the minutes are queued in the encrypted cache at once and reach the server exactly once.
        const minutes = Number(args[0] ?? 1);
        const receipt = license.recordUsage('render-minutes', minutes);
        console.log(`rendered for ${minutes} min; ${receipt.remaining} min left this period`);
        break;
      }
      case 'usage': {
        const sent = await license.flushUsage();
        const u = license.usage('render-minutes');
        if (!u) console.log('render-minutes: not in your plan');
        else console.log(`render-minutes: ${u.used + u.queued} of ${u.limit} used, ${u.remaining} left (${u.queued} not sent yet)`);
        if (!sent.delivered) console.log(`  not sent: ${sent.code}`);
        break;
      }
      case 'trial':
        console.log(describe(await license.startTrial({ email: args[0] })));
        break;
      case 'sync':
        requireFeature(license, 'cloud');
        console.log('synced to the cloud');
        break;
      case 'watch': {
        // Runs until Ctrl-C, printing every change of rights as it reaches this machine.
        console.log(describe(license.status()));
        const stamp = () => new Date().toISOString().slice(11, 19);
        license.on('changed', (s) => console.log(`[${stamp()}] changed → ${s.code}; features ${JSON.stringify(s.features)}`));
        license.on('refreshed', (s) => console.log(`[${stamp()}] refreshed; lease until ${s.expiresAt?.toISOString()}`));
        license.on('offline', (e) => console.log(`[${stamp()}] offline (${e.code}); working from the cache`));
        license.on('online', () => console.log(`[${stamp()}] online again`));
        license.on('expiring', (e) => console.log(`[${stamp()}] lease expiring in ${Math.round(e.remainingMs / 1000)} s`));
        license.on('expired', () => console.log(`[${stamp()}] lease expired: export and sync are off until the server is reached`));
        const seconds = Number(args[0] ?? Infinity);
        await new Promise<void>((done) => {
          const stop = () => done();
          process.once('SIGINT', stop);
          if (Number.isFinite(seconds)) setTimeout(stop, seconds * 1000);
          setInterval(() => undefined, 60_000); // keep the process alive (the SDK's timers do not)
        });
        break;
      }
      case 'offline-request':
        license.writeOfflineRequest(args[0]!, args[1] ?? 'activation-request.json');
        console.log(`wrote ${args[1] ?? 'activation-request.json'}: send it to your vendor`);
        break;
      case 'offline-import':
        console.log(describe(license.importOfflineResponse(args[0] ?? 'activation-response.json')));
        break;
      case 'deactivate':
        await license.deactivate();
        console.log('deactivated; this machine no longer holds a seat');
        break;
      default:
        console.error(
          'usage: studio activate <key> | trial [email] | status | refresh | export [file] | sync | render [minutes] | usage | watch [seconds] | offline-request <key> [file] | offline-import [file] | deactivate',
        );
        process.exitCode = 64;
    }
  } catch (error) {
    if (error instanceof LeaseholdError) {
      console.error(`studio: ${error.code}: ${error.message}`);
      process.exitCode = 1;
    } else if ((error as Error).message !== 'refused') throw error;
  } finally {
    await license.close();
  }
  process.exit();
}

await main();
