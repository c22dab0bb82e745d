import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ApiFailure, call, columns, type Common } from './support.js';

/**
 * `leasehold releases publish <product> <version> <files…>`: what a vendor's CI pipeline runs at
 * the end of a build. It hashes each file (sha256, streaming), creates the release, uploads each
 * file to its signed upload URL as a stream with a progress bar (on stderr; a line per quarter
 * when stderr is not a terminal, as in CI logs), and publishes. The server checks every upload
 * against the size and sha256 declared here, so a file changed or cut short fails the artifact.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface PublishOptions extends Common {
  channel?: string;
  notes?: string;
  critical?: boolean;
  minimumVersion?: string;
  requires?: string;
  platform: string;
  arch: string;
  draft?: boolean;
  quiet?: boolean;
}

interface FileSpec {
  path: string;
  filename: string;
  platform: string;
  arch: string;
  size: number;
  sha256: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/** `path`, or `path=platform/arch` for a file of its own platform. */
function parseFileArg(arg: string, opts: PublishOptions): { path: string; platform: string; arch: string } {
  const m = /^(.+)=([^=/]+)\/([^=/]+)$/.exec(arg);
  const [path, platform, arch] = m ? [m[1]!, m[2]!, m[3]!] : [arg, opts.platform, opts.arch];
  if (!NAME.test(platform) || !NAME.test(arch)) {
    throw new ApiFailure(`${arg}: platform and arch are lower-case names such as linux/x86_64 (got ${platform}/${arch})`, 1);
  }
  return { path, platform, arch };
}

const MB = 1024 * 1024;
const human = (n: number) => (n >= MB ? `${(n / MB).toFixed(1)} MB` : `${(n / 1024).toFixed(1)} kB`);

/** A progress bar on stderr: redrawn in place on a terminal, a line per quarter elsewhere (CI logs). */
export class Progress {
  private done = 0;
  private lastQuarter = -1;
  private readonly started = Date.now();
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {}

  add(n: number): void {
    this.done += n;
    if (this.quiet) return;
    const share = this.total === 0 ? 1 : this.done / this.total;
    if (this.out.isTTY) {
      const width = 30;
      const filled = Math.round(share * width);
      const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
      this.out.write(
        `\r${this.label}  [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}%  ${human(this.done)}/${human(this.total)}  ${human(this.done / seconds)}/s`,
      );
      return;
    }
    const quarter = Math.floor(share * 4);
    if (quarter > this.lastQuarter) {
      this.lastQuarter = quarter;
      this.out.write(`${this.label}  ${quarter * 25}%  ${human(this.done)}/${human(this.total)}\n`);
    }
  }

  finish(): void {
    if (!this.quiet && this.out.isTTY) this.out.write('\n');
  }
}

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new ApiFailure(`${path}: no such file`, 1);
  }
  if (!info.isFile()) throw new ApiFailure(`${path}: not a file`, 1);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { size: info.size, sha256: hash.digest('hex') };
}

/** PUTs the file to the upload URL as a stream with its Content-Length (S3 needs it), counting what leaves. */
function putFile(url: URL, file: FileSpec, progress: Progress): Promise<{ status: number; body: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(file.size) },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        progress.add(chunk.length);
        done(null, chunk);
      },
    });
    pipeline(createReadStream(file.path), counter, req).catch(reject);
  });
}

export function registerReleaseCommands(program: Command, defaultUrl: () => string): void {
  const releases = program.command('releases').description('Releases and their files, over the API');
  releases
    .command('publish')
    .description('Create a release, upload its files (streaming, sha256 checked, with a progress bar) and publish it: for CI pipelines')
    .argument('<product>', 'product id or code')
    .argument('<version>', 'semantic version, 1.4.0 or 2.0.0-rc.1')
    .argument('<files...>', 'files to upload; path=platform/arch gives a file its own platform (dist/app.dmg=macos/universal)')
    .option('--platform <name>', 'platform of files that name none', 'any')
    .option('--arch <name>', 'architecture of files that name none', 'any')
    .option('--channel <channel>', 'stable, rc, beta, alpha or dev (default: stable, beta for a pre-release)')
    .option('--notes <markdown>', 'release notes')
    .option('--critical', 'a critical patch: every device should install it')
    .option('--minimum-version <version>', 'devices below this version must upgrade')
    .option('--requires <features>', 'comma-separated feature codes a license must hold to download it')
    .option('--draft', 'upload, but leave the release a draft')
    .option('--quiet', 'no progress output')
    .option('--json', 'print the release and its artifacts as JSON')
    .option('--url <url>', 'the server (default: $LEASEHOLD_URL, or HOST and PORT of the configuration)')
    .option('--api-key <key>', 'API key (default: $LEASEHOLD_API_KEY)')
    .action(async (product: string, version: string, args: string[], opts: PublishOptions) => {
      const api = (method: string, path: string, body?: unknown) => call(opts, defaultUrl, method, path, body);
      // Everything local is checked before the server is asked to create anything.
      const files: FileSpec[] = [];
      for (const arg of args) {
        const spec = parseFileArg(arg, opts);
        files.push({ ...spec, filename: basename(spec.path), ...(await hashFile(spec.path)) });
      }
      const release = await api('POST', `/v1/products/${encodeURIComponent(product)}/releases`, {
        version,
        ...(opts.channel ? { channel: opts.channel } : {}),
        ...(opts.notes ? { notes: opts.notes } : {}),
        ...(opts.critical ? { critical: true } : {}),
        ...(opts.minimumVersion ? { minimumVersion: opts.minimumVersion } : {}),
        ...(opts.requires ? { requires: opts.requires.split(',').map((s) => s.trim()) } : {}),
      });
      const artifacts: Json[] = [];
      const base = opts.url ?? defaultUrl();
      for (const file of files) {
        const ticket = await api('POST', `/v1/releases/${release['id']}/artifacts`, {
          filename: file.filename,
          platform: file.platform,
          arch: file.arch,
          size: file.size,
          sha256: file.sha256,
        });
        const own = String(ticket['uploadUrl']).startsWith('/');
        const progress = new Progress(file.filename, file.size, process.stderr, opts.quiet);
        let put;
        try {
          put = await putFile(new URL(ticket['uploadUrl'], base), file, progress);
        } catch (error) {
          throw new ApiFailure(`uploading ${file.filename}: ${(error as Error).message}`, 4);
        } finally {
          progress.finish();
        }
        if (put.status >= 300) {
          let reason = put.body.slice(0, 300);
          try {
            reason = JSON.parse(put.body).error?.message ?? reason;
          } catch {
            // S3 answers XML; its text is the reason.
          }
          throw new ApiFailure(`uploading ${file.filename} failed (${put.status}): ${reason}`, put.status >= 500 ? 4 : 1);
        }
        // Leasehold's own upload URL answers the checked artifact; object storage is told to check it.
        artifacts.push(own ? JSON.parse(put.body) : await api('POST', `/v1/artifacts/${ticket['artifact']['id']}/complete`));
      }
      const final = opts.draft
        ? await api('GET', `/v1/releases/${release['id']}`)
        : await api('POST', `/v1/releases/${release['id']}/publish`);
      if (opts.json) {
        process.stdout.write(JSON.stringify({ release: final, artifacts }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${final['id']}  ${final['version']}  ${final['channel']}  ${final['status']}\n`);
      process.stdout.write(
        columns(
          ['ARTIFACT', 'FILE', 'PLATFORM', 'ARCH', 'SIZE', 'SHA256'],
          artifacts.map((a) => [a['id'], a['filename'], a['platform'], a['arch'], a['size'], a['sha256']]),
        ),
      );
    });
}
