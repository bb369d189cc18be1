// The real Compose reads back every accepted password exactly as typed: a few hundred
// arbitrary ones (seeded, FC_SEED reproduces), written as the generator writes them
// into an env file and into a Compose file, resolved by one `docker-compose config`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { ANSWERS } from '../../src/generators/lib/answers/answers.js';
import { composeYamlValue, envValue } from '../../src/generators/lib/values/quoting.js';
import { environmentOf, type ComposeConfig } from '../support/compose.js';
import { describeRun } from '../support/run.js';
import { runTool } from '../support/tools.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const COUNT = 300;
const password = ANSWERS.find(answer => answer.name === 'postgresPassword')!;

const FRAGMENTS = [
  '$',
  '$$',
  '${',
  '}',
  '$HOME',
  '${USER}',
  '${X:-d}',
  "'",
  '"',
  '\\',
  '\\n',
  '#',
  ' #',
  '=',
  ':',
  '@',
  '/',
  '`',
  '!',
  '%',
  'é',
  '密',
  '😀',
];
const candidate = fc
  .array(
    fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 5 }), fc.string({ unit: 'grapheme', maxLength: 3 })),
    {
      minLength: 1,
      maxLength: 12,
    },
  )
  .map(parts => parts.join(''))
  .filter(value => password.validate(value, {}) === true);

describe('docker-compose config on values written as the generator writes them', function () {
  this.timeout(120_000);
  const values = fc.sample(candidate, { seed: SEED, numRuns: COUNT });
  let folder = '';
  let config: ComposeConfig;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'quoting-'));
    mkdirSync(join(folder, '.env'));
    writeFileSync(join(folder, '.env', '.values'), values.map((value, i) => `V${i}=${envValue(value)}\n`).join(''));
    const yaml = values.map((value, i) => `      Y${i}: ${composeYamlValue(value)}\n`).join('');
    writeFileSync(
      join(folder, 'docker-compose.yml'),
      `services:\n  probe:\n    image: busybox\n    env_file:\n      - ./.env/.values\n    environment:\n${yaml}`,
    );
    const result = await runTool('docker-compose', ['config', '--format', 'json'], { cwd: folder });
    expect(result.status, describeRun(result)).to.equal(0);
    expect(result.stderr, describeRun(result)).to.equal('');
    config = JSON.parse(result.stdout) as ComposeConfig;
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it(`reads ${COUNT} accepted passwords back exactly from the env file`, () => {
    const environment = environmentOf(config.services.probe);
    for (const [i, value] of values.entries()) expect(environment[`V${i}`], JSON.stringify(value)).to.equal(value);
  });

  it(`reads the same ${COUNT} passwords back exactly from the Compose file`, () => {
    const environment = environmentOf(config.services.probe);
    for (const [i, value] of values.entries()) expect(environment[`Y${i}`], JSON.stringify(value)).to.equal(value);
  });
});
