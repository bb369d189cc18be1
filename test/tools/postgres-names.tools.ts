// Every Postgres user and database name the generator accepts works with a real
// Postgres set up as the official image sets it up from POSTGRES_USER, POSTGRES_DB and
// POSTGRES_PASSWORD: initdb with the user as superuser, CREATE DATABASE unless it is
// `postgres`, then Django's connection over TCP with the password. In production, the
// user is Django's own role instead, which app-role.sh makes under the image's
// superuser. Names at the edges of what the validators accept, and seeded arbitrary
// ones (FC_SEED reproduces).
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** A cluster as the image makes it: initdb with `superuser` (and the password), started on a free port, its socket in its folder. */
async function cluster(superuser: string, password: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pg-names-'));
  if (AS.uid !== undefined) chownSync(dir, AS.uid, AS.gid!);
  const env = { PATH: '/usr/bin:/bin', HOME: dir, LC_ALL: 'C' };
  writeFileSync(join(dir, 'pw'), `${password}\n`);
  if (AS.uid !== undefined) chownSync(join(dir, 'pw'), AS.uid, AS.gid!);
  const port = await freePort();
  runOk(
    join(PG_BIN, 'initdb'),
    [
      '-D',
      join(dir, 'data'),
      '--username',
      superuser,
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
  for (let tries = 0; runSync(join(PG_BIN, 'pg_isready'), ['-h', dir, '-p', String(port)]).status !== 0; tries += 1) {
    expect(tries, 'Postgres to start').to.be.below(100);
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return {
    dir,
    port,
    env,
    /** SQL over the socket as `user`, with psql variables. */
    psql(user: string, sql: string, variables: Record<string, string> = {}) {
      return runOk(
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
          user,
          '-d',
          'postgres',
          ...Object.entries(variables).flatMap(([key, value]) => ['-v', `${key}=${value}`]),
          '-f',
          '-',
        ],
        { cwd: dir, env, input: sql, ...AS },
      );
    },
    /** Who Django is, connected over TCP with a password, as it connects: its name, database, whether a superuser, and the database's owner. */
    whoAmI(user: string, database: string, secret: string) {
      return runOk(
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
          user,
          '-d',
          database,
          '-c',
          "SELECT concat_ws(' ', current_user, current_database(), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()))",
        ],
        { env: { ...env, PGPASSWORD: secret } },
      ).trim();
    },
    async stop() {
      server.kill('SIGINT');
      await new Promise(resolve => server.on('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** As the image does after initdb: the database, unless it is `postgres`. */
const CREATE_DB =
  "SELECT :'db' <> 'postgres' AS create_db \\gset\n\\if :create_db\nCREATE DATABASE :\"db\";\n\\endif\n";

/** Production's app-role.sh, which the generator writes as is (its template holds no tag). */
const APP_ROLE = readFileSync(
  'src/generators/prod/templates/compose/production/postgres/initdb/app-role.sh.ejs',
  'utf8',
);

describe('Postgres names the generator accepts, in a real Postgres set up as the image does', function () {
  this.timeout(120_000);
  const password = 'a password with spaces and $';

  for (const [name, database] of cases) {
    it(`works with POSTGRES_USER=${name} POSTGRES_DB=${database}`, async () => {
      const pg = await cluster(name, password);
      try {
        pg.psql(name, CREATE_DB, { db: database });
        expect(pg.whoAmI(name, database, password)).to.equal(`${name} ${database} t ${name}`);
      } finally {
        await pg.stop();
      }
    });

    it(`production: app-role.sh makes Django's role ${name}, no superuser, the owner of ${database}`, async () => {
      const admin = name === 'postgres' ? 'postgres_admin' : 'postgres';
      const pg = await cluster(admin, 'the superuser password');
      try {
        pg.psql(admin, CREATE_DB, { db: database });
        const script = join(pg.dir, 'app-role.sh');
        writeFileSync(script, APP_ROLE);
        const ran = runSync('/bin/bash', [script], {
          cwd: pg.dir,
          env: {
            ...pg.env,
            PATH: `${PG_BIN}:/usr/bin:/bin`,
            PGHOST: pg.dir,
            PGPORT: String(pg.port),
            POSTGRES_USER: admin,
            POSTGRES_DB: database,
            APP_DB_USER: name,
            APP_DB_PASSWORD: password,
          },
          ...AS,
        });
        expect(ran.status, `${ran.stdout}${ran.stderr}`).to.equal(0);
        expect(pg.whoAmI(name, database, password)).to.equal(`${name} ${database} f ${name}`);
      } finally {
        await pg.stop();
      }
    });
  }

  it('covers edges and seeded cases', () => {
    expect(cases.length).to.be.at.least(8);
    expect(APP_ROLE, 'app-role.sh holds no template tag').to.not.contain('<%');
  });
});
