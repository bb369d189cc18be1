// Property tests: for arbitrary input, every answer is either rejected with a message
// that says what is allowed, or carried into the generated files exactly.
// Seeded: FC_SEED=<n> reproduces a run; a failure prints its seed and counterexample.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import type { RunResult } from 'yeoman-test';
import { ANSWERS, answerSpecs, applies, type AnswerSpec } from '../src/generators/lib/answers/answers.js';
import { composeYamlValue, envValue } from '../src/generators/lib/values/quoting.js';
import { attemptApp, fixedSecrets, runGenerator } from './helpers.js';

const SEED = Number(process.env.FC_SEED ?? 20261124);
const RUNS = 300;
const check = <Ts>(property: fc.IRawProperty<Ts>, numRuns = RUNS) => fc.assert(property, { seed: SEED, numRuns });

/** Pieces that break naive quoting, mixed with arbitrary text. */
const FRAGMENTS = [
  '../',
  '..',
  '/',
  '\\',
  '$VAR',
  '${VAR}',
  '$$',
  '$',
  '${',
  "'",
  '"',
  '`',
  '#',
  ' #',
  '=',
  ':',
  '@',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\t',
  '\u0000',
  '\u001b',
  '\u2028',
  '\u00a0',
  'é',
  '密码',
  '😀',
  '%',
  '!',
  '*',
  '?',
  '{',
  '}',
  'pg_',
];
const hostile = fc.oneof(
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...FRAGMENTS),
        fc.string({ maxLength: 6 }),
        fc.string({ unit: 'grapheme', maxLength: 4 }),
      ),
      {
        maxLength: 10,
      },
    )
    .map(parts => parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ minLength: 100, maxLength: 400 }),
);

const spec = (name: AnswerSpec['name']) => ANSWERS.find(answer => answer.name === name)!;

// ---- How Compose reads the files back (a model of its rules, written independently) ----

class Interpolated extends Error {}

/** Compose's interpolation of a value: `$$` is a dollar, `$NAME` and `${...}` are variables. */
function composeInterpolate(text: string): string {
  return text.replace(/\$(\$|\{|[A-Za-z_])?/g, (_match, next: string | undefined) => {
    if (next === '$') return '$';
    if (next === undefined) return '$';
    throw new Interpolated(`would interpolate at ${JSON.stringify(text)}`);
  });
}

/** A value of an env_file line as Compose reads it. */
function composeEnvRead(raw: string): string {
  if (raw.startsWith("'")) {
    const end = raw.indexOf("'", 1);
    return raw.slice(1, end);
  }
  if (raw.startsWith('"')) {
    let out = '';
    let i = 1;
    for (; i < raw.length && raw[i] !== '"'; i++) {
      if (raw[i] === '\\' && i + 1 < raw.length) {
        const next = raw[++i];
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
      } else {
        out += raw[i];
      }
    }
    expect(i, `unterminated ${raw}`).to.equal(raw.length - 1);
    return composeInterpolate(out);
  }
  return composeInterpolate(raw.replace(/\s+#.*$/, '').trim());
}

/** A single-quoted YAML scalar in a Compose file, as Compose reads it. */
function composeYamlRead(raw: string): string {
  expect(raw.startsWith("'") && raw.endsWith("'"), raw).to.equal(true);
  const body = raw.slice(1, -1);
  expect(body.replace(/''/g, ''), `lone quote in ${raw}`).not.to.contain("'");
  return composeInterpolate(body.replace(/''/g, "'"));
}

describe('property: every validator answers with true or a message saying what is allowed', () => {
  for (const answer of ANSWERS.filter(a => a.kind !== 'confirm')) {
    it(`--${answer.option}`, () =>
      check(
        fc.property(hostile, value => {
          const verdict = answer.validate(value, {});
          if (verdict !== true) {
            expect(verdict).to.be.a('string');
            expect(verdict).to.match(/use|choose|cannot|may|must|at most|Give/);
          }
        }),
      ));
  }
});

describe('property: accepted answers are carried exactly; the rest are rejected', () => {
  it('a password is accepted only as printable text, and Compose reads it back as typed from both files', () =>
    check(
      fc.property(hostile, password => {
        const verdict = spec('postgresPassword').validate(password, {});
        const printable =
          password.length > 0 &&
          password.length <= 128 &&
          password === password.trim() &&
          !/[\p{C}\p{Z}]/u.test(password.replace(/ /g, ''));
        expect(verdict === true, `${JSON.stringify(password)}: ${String(verdict)}`).to.equal(printable);
        if (verdict === true) {
          expect(composeEnvRead(envValue(password))).to.equal(password);
          expect(composeYamlRead(composeYamlValue(password))).to.equal(password);
        }
      }),
    ));

  it('a project name is accepted only as a lowercase identifier, and never leads outside the folder', () =>
    check(
      fc.property(hostile, name => {
        const verdict = spec('projectName').validate(name, {});
        if (verdict === true) {
          expect(name).to.match(/^[a-z_][a-z0-9_]{0,49}$/);
          const cwd = resolve('/work/somewhere');
          expect(resolve(cwd, name).startsWith(cwd + sep)).to.equal(true);
        }
      }),
    ));

  it('a port is accepted only as an integer from 1 to 65535', () =>
    check(
      fc.property(fc.oneof(hostile, fc.integer({ min: -10, max: 70000 }).map(String)), value => {
        const verdict = spec('webPort').validate(value, {});
        const oracle = /^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535;
        expect(verdict === true, value).to.equal(oracle);
      }),
    ));

  it('database and user names are accepted only as plain Postgres identifiers, written bare', () =>
    check(
      fc.property(fc.oneof(hostile, fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,70}$/)), value => {
        for (const name of ['postgresDb', 'postgresUser'] as const) {
          const verdict = spec(name).validate(value, {});
          // Postgres reserves pg_ for role names only (createdb pg_x works).
          const oracle =
            /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(value) && !(name === 'postgresUser' && /^pg_/i.test(value));
          expect(verdict === true, value).to.equal(oracle);
          if (verdict === true) expect(envValue(value)).to.equal(value);
        }
      }),
    ));

  it('allowed hosts are accepted only as host names, and the env file carries them', () =>
    check(
      fc.property(
        fc.oneof(
          hostile,
          fc.array(fc.domain(), { minLength: 1, maxLength: 3 }).map(hosts => hosts.join(' ')),
        ),
        value => {
          const answer = spec('allowedHosts');
          if (answer.validate(value, {}) === true) {
            const hosts = String(answer.parse(value));
            expect(hosts).not.to.match(/[$'"\\#=@/]/);
            expect(composeEnvRead(envValue(hosts))).to.equal(hosts);
          }
        },
      ),
    ));

  it('a Flower login is accepted only without a colon or spaces, and the env file carries it', () =>
    check(
      fc.property(hostile, value => {
        if (spec('flowerUser').validate(value, {}) === true) {
          expect(value).to.match(/^[A-Za-z0-9_.-]{1,64}$/);
          expect(composeEnvRead(envValue(value))).to.equal(value);
        }
      }),
    ));
});

describe('property: the generator, end to end', function () {
  this.timeout(120_000);

  it('writes an accepted password into both files so that Compose reads it as typed, or writes nothing', () =>
    check(
      fc.asyncProperty(hostile, async password => {
        const { cwd, project, error } = await attemptApp({ defaults: true, 'postgres-password': password });
        const accepted = spec('postgresPassword').validate(password, {}) === true;
        if (!accepted) {
          expect(String(error)).to.contain('--postgres-password: ');
          expect(readdirSync(cwd)).to.deep.equal([]);
          return;
        }
        expect(error).to.equal(undefined);
        const env = readFileSync(join(project!, '.env/.dev-sample'), 'utf8');
        const compose = readFileSync(join(project!, 'docker-compose.yml'), 'utf8');
        const envLine = /^SQL_PASSWORD=(.*)$/m.exec(env)![1];
        const yamlLine = /^ {6}POSTGRES_PASSWORD: (.*)$/m.exec(compose)![1];
        expect(composeEnvRead(envLine)).to.equal(password);
        expect(composeYamlRead(yamlLine)).to.equal(password);
      }),
      60,
    ));

  it('writes only inside the folder it runs in, whatever the project name', () =>
    check(
      fc.asyncProperty(hostile, async name => {
        const { cwd, error } = await attemptApp({ defaults: true, 'project-name': name });
        expect(readdirSync(cwd)).to.deep.equal(error ? [] : [name]);
      }),
      60,
    ));
});

/**
 * Runs `attempt` once for each subset of `asked` given as options (their `values`), the
 * others missing; without a terminal, a run that misses some fails at once naming them.
 */
async function everyCombination(
  asked: readonly AnswerSpec[],
  values: Record<string, unknown>,
  attempt: (options: Record<string, unknown>) => Promise<{ error?: unknown }>,
  checks: { complete: () => void; failed: (error: unknown, given: readonly AnswerSpec[]) => void },
): Promise<void> {
  for (let mask = 0; mask < 2 ** asked.length; mask++) {
    const given = asked.filter((_, bit) => mask & (1 << bit));
    const missing = asked.filter(answer => !given.includes(answer));
    const { error } = await attempt(Object.fromEntries(given.map(answer => [answer.option, values[answer.option]])));
    if (missing.length === 0) {
      expect(error, `all given: ${String(error)}`).to.equal(undefined);
      checks.complete();
    } else {
      expect(String(error)).to.contain('Standard input is not a terminal');
      for (const answer of missing) expect(String(error)).to.contain(`--${answer.option}`);
      checks.failed(error, given);
    }
  }
}

const APP_VALUES = {
  'project-name': 'combo',
  'web-port': '8010',
  'flower-port': '5557',
  'mail-port': '8025',
  'postgres-db': 'db',
  'postgres-user': 'user',
  'postgres-password': 'pw',
};

describe('without a terminal, every combination of given and missing options', function () {
  this.timeout(120_000);
  const asked = answerSpecs('app').filter(answer => answer.kind !== 'option');

  it(`completes or fails fast naming what is missing, never asking (${2 ** asked.length} combinations)`, async () => {
    let result: RunResult | undefined;
    await everyCombination(
      asked,
      { ...APP_VALUES, prod: false },
      async options => {
        result = undefined;
        try {
          result = await runGenerator('app').withOptions({ secretSource: fixedSecrets, ...options });
          return {};
        } catch (error) {
          return { error };
        }
      },
      {
        complete: () => {
          expect(result!.askedQuestions).to.deep.equal([]);
          expect(existsSync(join(result!.cwd, 'combo', 'docker-compose.yml'))).to.equal(true);
        },
        failed: (error, given) => {
          for (const answer of given) expect(String(error)).not.to.contain(`--${answer.option},`);
        },
      },
    );
  });
});

describe('without a terminal, with production on, every combination of its options', function () {
  this.timeout(120_000);
  // Options only (--nginx-loopback) are never asked: without them the run completes. With
  // --https off (given or missing), automatic HTTPS's own answers do not apply.
  const asked = answerSpecs('prod').filter(spec => spec.kind !== 'option' && applies(spec, { https: 'off' }));

  it(`completes or fails fast naming what is missing, never asking (${2 ** asked.length} combinations)`, async () => {
    let cwd = '';
    await everyCombination(
      asked,
      { https: 'off', 'nginx-port': '1337', 'allowed-hosts': 'example.com', 'flower-user': 'ops' },
      async options => {
        const attempt = await attemptApp({ ...APP_VALUES, prod: true, ...options });
        cwd = attempt.cwd;
        return attempt;
      },
      {
        complete: () => expect(existsSync(join(cwd, 'combo', 'docker-compose.prod.yml'))).to.equal(true),
        failed: () => expect(readdirSync(cwd), 'nothing written').to.deep.equal([]),
      },
    );
  });
});
