import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

/**
 * The layer boundaries are held by `npm run lint:boundaries` (dependency-cruiser, rules in
 * .dependency-cruiser.cjs). These tests run that exact command on the tree as it is, and on a copy
 * of the sources with violations planted in it, so a rule that stopped matching would be noticed.
 */

const run = promisify(execFile);
const LINT = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[
  'lint:boundaries'
]!;

/** One reported violation: the rule, and the import it objects to (for a cycle, the whole cycle). */
interface Violation {
  rule: string;
  path: string[];
}

/** Runs the lint script in `cwd` through a shell, as npm does; reads its report (one `error <rule>: a → b` per violation). */
async function lint(cwd: string): Promise<{ failed: boolean; violations: Violation[] }> {
  const env = { ...process.env, PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` };
  const { failed, stdout } = await run('sh', ['-c', LINT], { cwd, env, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ failed: false, stdout: r.stdout }),
    (e: { code?: number; stdout?: string }) => {
      if (typeof e.code !== 'number' || e.stdout === undefined) throw e;
      return { failed: true, stdout: e.stdout };
    },
  );
  const violations = stdout
    .split(/^\s*error /m)
    .slice(1)
    .map((block) => ({ rule: block.slice(0, block.indexOf(':')), path: block.match(/packages\/\S+\.tsx?/g) ?? [] }))
    .map(normalize);
  return { failed, violations };
}

/** A cycle is reported once, from any of its files: start it at the first in sort order. */
function normalize(v: Violation): Violation {
  if (v.rule !== 'no-cycles' || v.path.length < 2) return v;
  const ring = v.path.slice(0, -1);
  const first = ring.indexOf([...ring].sort()[0]!);
  const rotated = [...ring.slice(first), ...ring.slice(0, first)];
  return { rule: v.rule, path: [...rotated, rotated[0]!] };
}

const byText = (x: Violation, y: Violation) => `${x.rule} ${x.path.join(' ')}`.localeCompare(`${y.rule} ${y.path.join(' ')}`);

/** The repository's sources and lint setup, copied; node_modules linked, the workspace packages pointing into the copy. */
function copyTree(): string {
  const root = mkdtempSync(join(tmpdir(), 'leasehold-boundaries-'));
  for (const file of ['package.json', 'tsconfig.json', '.dependency-cruiser.cjs']) cpSync(join(REPO_ROOT, file), join(root, file));
  for (const pkg of readdirSync(join(REPO_ROOT, 'packages'))) {
    cpSync(join(REPO_ROOT, 'packages', pkg, 'src'), join(root, 'packages', pkg, 'src'), { recursive: true });
    cpSync(join(REPO_ROOT, 'packages', pkg, 'package.json'), join(root, 'packages', pkg, 'package.json'));
  }
  mkdirSync(join(root, 'node_modules', '@leasehold'), { recursive: true });
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry !== '@leasehold' && entry !== '.bin') symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(root, 'node_modules', entry));
  }
  for (const pkg of readdirSync(join(root, 'packages')))
    symlinkSync(join('..', '..', 'packages', pkg), join(root, 'node_modules', '@leasehold', pkg));
  return root;
}

const SERVER = 'packages/server/src';

const CATALOG = `${SERVER}/capabilities/catalog`;
const STORE_TS = `${SERVER}/platform/store/store.ts`;

/** Backward imports and a cycle, a file each, and what the lint must report about them. */
const PLANTED: Record<string, string> = {
  // A rule running store code.
  [`${CATALOG}/planted-runtime.ts`]: "import { Store } from '../../platform/store/store.js';\nexport const planted = Store;\n",
  // A rule naming the store's concrete transaction instead of the domain's Tx port.
  [`${CATALOG}/planted-type.ts`]: "import type { Tx } from '../../platform/store/store.js';\nexport type Planted = Tx;\n",
  // The store running a rule.
  [`${CATALOG}/store/planted-rule.ts`]: "import { requireProduct } from '../products.js';\nexport const planted = requireProduct;\n",
  // The store naming a rule file's type: only records and ports are lent to it.
  [`${SERVER}/capabilities/licensing/store/planted-type.ts`]:
    "import type { Verdict } from '../validation/validate.js';\nexport type Planted = Verdict;\n",
  // Two rule files importing each other.
  [`${CATALOG}/planted-a.ts`]: "import { b } from './planted-b.js';\nexport const a = (): number => b() + 1;\n",
  [`${CATALOG}/planted-b.ts`]: "import { a } from './planted-a.js';\nexport const b = (): number => (Math.random() > 2 ? a() : 0);\n",
};

const EXPECTED: Violation[] = [
  { rule: 'domain-not-to-store', path: [`${CATALOG}/planted-runtime.ts`, STORE_TS] },
  { rule: 'domain-not-to-store', path: [`${CATALOG}/planted-type.ts`, STORE_TS] },
  { rule: 'store-not-to-rules', path: [`${CATALOG}/store/planted-rule.ts`, `${CATALOG}/products.ts`] },
  { rule: 'store-names-records-and-ports', path: [`${CATALOG}/store/planted-rule.ts`, `${CATALOG}/products.ts`] },
  {
    rule: 'store-names-records-and-ports',
    path: [`${SERVER}/capabilities/licensing/store/planted-type.ts`, `${SERVER}/capabilities/licensing/validation/validate.ts`],
  },
  { rule: 'no-cycles', path: [`${CATALOG}/planted-a.ts`, `${CATALOG}/planted-b.ts`, `${CATALOG}/planted-a.ts`] },
];

describe('npm run lint:boundaries', () => {
  let copy: string | undefined;
  beforeAll(() => {
    copy = copyTree();
    for (const [file, text] of Object.entries(PLANTED)) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      writeFileSync(join(copy, file), text);
    }
  });
  afterAll(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('passes on the tree as it is', async () => {
    const { failed, violations } = await lint(REPO_ROOT);
    expect(violations).toEqual([]);
    expect(failed).toBe(false);
  }, 120_000);

  it('fails on planted backward imports and a cycle, naming the rule each breaks, and on nothing else', async () => {
    const { failed, violations } = await lint(copy!);
    expect(violations.sort(byText)).toEqual([...EXPECTED].sort(byText));
    expect(failed).toBe(true);
  }, 120_000);
});
