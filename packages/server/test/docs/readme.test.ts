import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_TABLE } from '../../src/config.js';
import { REPO_ROOT } from '../support/processes.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

function section(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `README.md has a "## ${title}" section`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

describe('README.md', () => {
  it('documents exactly the settings in CONFIG_TABLE, with their defaults and meanings', () => {
    const rows = section('Configuration')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    expect(rows).toEqual(CONFIG_TABLE.map((c) => `| \`${c.name}\` | \`${c.default}\` | ${c.meaning} |`));
  });

  it('gives npm install then npm start as the quick start, and npm test for the tests', () => {
    expect(section('Quick start')).toContain('```sh\nnpm install\nnpm start\n```');
    expect(section('Tests')).toContain('```sh\nnpm test\n```');
  });
});
