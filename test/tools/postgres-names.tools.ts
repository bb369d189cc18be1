// Every Postgres user and database name the generator accepts works with a real
// Postgres set up as the official image sets it up from POSTGRES_USER, POSTGRES_DB and
// POSTGRES_PASSWORD: initdb with the user as superuser, CREATE DATABASE unless it is
// `postgres`, then Django's connection over TCP with the password. Names at the edges
// of what the validators accept, and seeded arbitrary ones (FC_SEED reproduces).
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { answerSpecs } from '../../src/generators/lib/answers/answers.js';
import { INSTALL_COMMAND } from '../support/tools.js';
import { runOk, runSync } from '../support/run.js';

const SEED = Number(process.env.FC_SEED ?? 20261125);
const user = answerSpecs('app').find(spec => spec.name === 'postgresUser')!;
const db = answerSpecs('app').find(spec => spec.name === 'postgresDb')!;

const PG_BIN = (() => {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : [];
  const found = versions
    .map(version => `/usr/lib/postgresql/${version}/bin`)
    .find(bin => existsSync(join(bin, 'initdb')));
  if (!found) throw new Error(`Postgres is not installed: run \`${INSTALL_COMMAND}\`.`);
  return found;
})();

/** Postgres refuses to run as root: as root, run it as nobody. */
const AS = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

const freePort = () =>
  new Promise<number>(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/);
const EDGES: [string, string][] = [
  ['hello_django', 'hello_django'],
  ['A', 'postgres'],
  ['_', '_'],
  ['Mixed_Case', 'Select'],
  ['current_user', 'user'],
  ['x'.repeat(63), `D${'b'.repeat(62)}`],
  ['postgres', 'pg_data'],
  // Refused by the validators today; were either accepted, it would be tried here.
  ['public', 'template0'],
  ['none', 'template1'],
];
const cases = [...EDGES, ...fc.sample(fc.tuple(identifier, identifier), { seed: SEED, numRuns: 6 })].filter(
  ([name, database]) => user.validate(name, {}) === true && db.validate(database, {}) === true,
);

describe('Postgres names the generator accepts, in a real Postgres set up as the image does', function () {
  this.timeout(120_000);

  for (const [name, database] of cases) {
    it(`works with POSTGRES_USER=${name} POSTGRES_DB=${database}`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pg-names-'));
      if (AS.uid !== undefined) chownSync(dir, AS.uid, AS.gid!);
      const env = { PATH: '/usr/bin:/bin', HOME: dir, LC_ALL: 'C' };
      const password = 'a password with spaces and $';
      writeFileSync(join(dir, 'pw'), `${password}\n`);
      if (AS.uid !== undefined) chownSync(join(dir, 'pw'), AS.uid, AS.gid!);
      const port = await freePort();
      runOk(
        join(PG_BIN, 'initdb'),
        [
          '-D',
          join(dir, 'data'),
          '--username',
          name,
          '--pwfile',
          join(dir, 'pw'),
          '--auth-local',
          'trust',
          '--auth-host',
          'scram-sha-256',
          '--no-sync',
        ],
        { cwd: dir, env, ...AS },
      );
      const server = spawn(
        join(PG_BIN, 'postgres'),
        [
          '-D',
          join(dir, 'data'),
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          `unix_socket_directories=${dir}`,
          '-c',
          'fsync=off',
        ],
        { cwd: dir, env, stdio: 'ignore', ...AS },
      );
      try {
        for (
          let tries = 0;
          runSync(join(PG_BIN, 'pg_isready'), ['-h', dir, '-p', String(port)]).status !== 0;
          tries += 1
        ) {
          expect(tries, 'Postgres to start').to.be.below(100);
          await new Promise(resolve => setTimeout(resolve, 100));
        }
        const sql =
          "SELECT :'db' <> 'postgres' AS create_db \\gset\n\\if :create_db\nCREATE DATABASE :\"db\";\n\\endif\n";
        runOk(
          join(PG_BIN, 'psql'),
          [
            '-X',
            '-q',
            '-v',
            'ON_ERROR_STOP=1',
            '-h',
            dir,
            '-p',
            String(port),
            '-U',
            name,
            '-d',
            'postgres',
            '-v',
            `db=${database}`,
            '-f',
            '-',
          ],
          { cwd: dir, env, input: sql, ...AS },
        );
        const who = runOk(
          join(PG_BIN, 'psql'),
          [
            '-X',
            '-A',
            '-t',
            '-h',
            '127.0.0.1',
            '-p',
            String(port),
            '-U',
            name,
            '-d',
            database,
            '-c',
            "SELECT current_user || ' ' || current_database()",
          ],
          {
            env: { ...env, PGPASSWORD: password },
          },
        );
        expect(who.trim()).to.equal(`${name} ${database}`);
      } finally {
        server.kill('SIGINT');
        await new Promise(resolve => server.on('exit', resolve));
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('covers edges and seeded cases', () => {
    expect(cases.length).to.be.at.least(8);
  });
});
