// A re-run reads the secrets an env file holds as Compose itself reads them: the real
// Compose resolves a few hundred values (seeded, FC_SEED reproduces) written in every
// syntax a person editing the file may use, and the generator's reader must agree with
// it on each, or say that it cannot read the value (never give another one).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { readEnvFile } from '../../src/generators/lib/values/env-file.js';
import { environmentOf, type ComposeConfig } from '../support/compose.js';
import { describeRun } from '../support/run.js';
import { runTool } from '../support/tools.js';

const SEED = Number(process.env.FC_SEED ?? 20261125);
const COUNT = 300;

const FRAGMENTS = ['$', '$$', '${X}', '$HOME', "'", '"', '\\', '\\n', '\\t', '\\$', '#', ' #', '=', ' ', 'é', '😀'];
const text = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 4 })), { maxLength: 8 })
  .map(parts => parts.join('').replace(/[\r\n]/g, ''));

/** One line of an env file, in one of the ways a person writes one. */
const line = fc
  .record({
    exported: fc.boolean(),
    spaced: fc.boolean(),
    style: fc.constantFrom('bare', 'single', 'double'),
    comment: fc.boolean(),
    value: text,
  })
  .filter(({ style, value }) => {
    // An unclosed ${ is an error for Compose, not a value.
    if (style !== 'single' && value.replaceAll('${X}', '').includes('${')) return false;
    if (style === 'single') return !value.includes("'") && !value.endsWith('\\');
    if (style === 'double') return !/(^|[^\\])(\\\\)*"/.test(value) && !value.endsWith('\\');
    return !/^['"]/.test(value.trimStart()) && value.trim() === value;
  });

describe('reading env files as Compose does', function () {
  this.timeout(120_000);
  const lines = fc.sample(line, { seed: SEED, numRuns: COUNT });
  const file = lines
    .map(({ exported, spaced, style, comment, value }, i) => {
      const quoted = style === 'single' ? `'${value}'` : style === 'double' ? `"${value}"` : value;
      return `${exported ? 'export ' : ''}K${i}${spaced ? ' = ' : '='}${quoted}${comment && style !== 'bare' ? ' # note' : ''}\n`;
    })
    .join('');
  let folder = '';
  let environment: Record<string, string>;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'env-files-'));
    mkdirSync(join(folder, '.env'));
    writeFileSync(join(folder, '.env', '.values'), file);
    writeFileSync(
      join(folder, 'docker-compose.yml'),
      'services:\n  probe:\n    image: busybox\n    env_file:\n      - ./.env/.values\n',
    );
    const result = await runTool('docker-compose', ['config', '--format', 'json'], {
      cwd: folder,
      env: { X: 'from-the-shell', HOME: '/home/someone' },
    });
    expect(result.status, `${describeRun(result)}\n${file}`).to.equal(0);
    environment = environmentOf((JSON.parse(result.stdout) as ComposeConfig).services.probe);
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it(`agrees with Compose on ${COUNT} values, or says it cannot read them`, () => {
    const read = readEnvFile(file);
    let agreed = 0;
    lines.forEach((written, i) => {
      const entry = read.get(`K${i}`);
      expect(entry, `K${i}`).to.not.equal(undefined);
      if (entry && 'value' in entry) {
        expect(entry.value, `line ${JSON.stringify(file.split('\n')[i])}`).to.equal(environment[`K${i}`]);
        agreed += 1;
      } else {
        expect(written.style, `K${i} was called unreadable`).to.not.equal('single');
        expect(written.value, `K${i} was called unreadable`).to.match(/\$(\{|[A-Za-z_])/);
      }
    });
    expect(agreed, 'most lines are readable').to.be.greaterThan(COUNT / 2);
  });
});
