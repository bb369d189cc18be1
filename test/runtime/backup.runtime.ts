// Runtime tier, production backups: the generated backup and restore scripts
// (compose/production/postgres/maintenance), run in a Debian root with its own pg_dump,
// psql and pg_restore, as the backup service runs them on db's image, against real
// Postgres servers. Rows are made through Django; the upgrade from Postgres 17 (trixie
// root) to 18 (forky root) follows the generated README's "Upgrade Postgres".
import { expect } from 'chai';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeProject, TEST_SETTINGS } from './project.js';
import { Root } from './roots.js';
import { freePort, Postgres, stopAll, tempDir } from './support.js';
import { serviceEnvironment } from '../support/compose.js';
import { describeRun, type Ran } from '../support/run.js';

const SCRIPTS = 'compose/production/postgres/maintenance';
const APP_ROLE = 'compose/production/postgres/initdb/app-role.sh';
/** A role the operator added by hand: a restore into a new volume must bring it back, able to log in. */
const READER = { user: 'report_reader', password: 'reader-password-7' };

describe('production backups: backup, restore, and a Postgres major upgrade through them', function () {
  this.timeout(300_000);
  const app = new RuntimeProject({
    options: { defaults: true, prod: true },
    composeFiles: ['docker-compose.prod.yml'],
    extraEnv: TEST_SETTINGS,
  });
  const others: Postgres[] = [];
  let backups = '';
  let bin = '';

  before(async function () {
    this.timeout(600_000);
    await app.generate();
    console.log(`      ${app.describeStack()}`);
    await app.startDatabase();
    const migrated = app.manage(['migrate', '--noinput']);
    expect(migrated.status, describeRun(migrated)).to.equal(0);
    backups = tempDir('backups');
    // /usr/local/bin/app-role in the backup image (its Dockerfile copies initdb/app-role.sh there).
    bin = tempDir('backup-bin');
    writeFileSync(join(bin, 'app-role'), `#!/bin/sh\nexec bash ${join(app.project, APP_ROLE)} "$@"\n`);
    chmodSync(join(bin, 'app-role'), 0o755);
  });

  after(async function () {
    this.timeout(120_000);
    const problems = [...(await stopAll(others)), ...(await app.stop())];
    if (problems.length > 0) throw new Error(problems.join('\n'));
  });

  /** A generated maintenance script, run as the backup service runs it, in `root`, against `pg`. */
  function script(name: string, args: string[], pg: Postgres, extra: Record<string, string> = {}): Ran {
    const env = {
      ...serviceEnvironment(app.config, 'backup'),
      PATH: `${bin}:${pg.root.pgBin}:/usr/bin:/bin`,
      HOME: '/root',
      LC_ALL: 'C',
      PGHOST: '127.0.0.1',
      PGPORT: String(pg.port),
      BACKUP_DIR: backups,
      ...extra,
    };
    return pg.root.run(['bash', join(app.project, SCRIPTS, name), ...args], env, {
      cwd: app.project,
      binds: [backups, bin],
      timeoutMs: 120_000,
    });
  }
  const scriptOk = (name: string, args: string[], pg: Postgres, extra: Record<string, string> = {}) => {
    const ran = script(name, args, pg, extra);
    expect(ran.status, describeRun(ran)).to.equal(0);
    return ran.stdout;
  };

  /** The users, as Django reads them: name, e-mail, password hash. */
  const users = (extra: Record<string, string> = {}) =>
    JSON.parse(
      app
        .runInRoot(
          [
            'python',
            'manage.py',
            'shell',
            '-c',
            'import json\nfrom django.contrib.auth import get_user_model\nprint(json.dumps(list(get_user_model().objects.order_by("username").values_list("username", "email", "password"))))',
          ],
          'web',
          extra,
        )
        .stdout.trim()
        .split('\n')
        .pop()!,
    ) as [string, string, string][];
  const django = (code: string) =>
    app.shell(`from django.contrib.auth import get_user_model\nUser = get_user_model()\n${code}`);
  const dumps = () =>
    readdirSync(backups)
      .filter(name => name.endsWith('.dump'))
      .sort();

  let made: [string, string, string][] = [];

  it('backs up: a compressed pg_dump and the roles, named by the time, readable by their owner only', () => {
    for (const name of ['alice', 'bob', 'chloé'])
      django(`User.objects.create_user(${JSON.stringify(name)}, "${name}@example.com", "pw-${name}-123")`);
    app.pg.query(app.admin, `CREATE ROLE ${READER.user} LOGIN PASSWORD '${READER.password}'`);
    app.pg.query(app.credentials, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER.user}`);
    made = users();
    expect(made.map(row => row[0])).to.deep.equal(['alice', 'bob', 'chloé']);
    const out = scriptOk('backup', [], app.pg);
    const [dump] = dumps();
    expect(dump).to.match(/^backup-\d{8}T\d{6}Z\.dump$/);
    expect(out).to.contain(join(backups, dump));
    const roles = dump.replace(/\.dump$/, '.roles.sql');
    expect(readdirSync(backups).sort()).to.deep.equal([dump, roles]);
    expect(statSync(backups).mode & 0o777, 'the backups folder').to.equal(0o700);
    for (const file of [dump, roles]) expect(statSync(join(backups, file)).mode & 0o777, file).to.equal(0o600);
    // pg_dump's custom format, compressed, as pg_restore reads it.
    const listed = app.root.run(
      [`${app.root.pgBin}/pg_restore`, '--list', join(backups, dump)],
      { LC_ALL: 'C' },
      {
        binds: [backups],
      },
    );
    expect(listed.status, describeRun(listed)).to.equal(0);
    expect(listed.stdout)
      .to.match(/Format: CUSTOM/)
      .and.match(/Compression: gzip/);
  });

  it('keeps the last BACKUP_KEEP, removing the oldest with its roles file', async () => {
    const first = dumps()[0];
    for (let i = 0; i < 2; i++) {
      await new Promise(resolve => setTimeout(resolve, 1100));
      scriptOk('backup', [], app.pg, { BACKUP_KEEP: '2' });
    }
    const kept = dumps();
    expect(kept).to.have.length(2);
    expect(kept).not.to.include(first);
    expect(readdirSync(backups)).not.to.include(first.replace(/\.dump$/, '.roles.sql'));
    const refused = script('backup', [], app.pg, { BACKUP_KEEP: 'all' });
    expect(refused.status).to.equal(2);
    expect(refused.stderr).to.match(/BACKUP_KEEP is "all": give the number of backups to keep/);
    expect(dumps()).to.deep.equal(kept);
  });

  it('restores: the rows changed and added after the backup are gone, exactly the backed-up rows are back', () => {
    django(
      'User.objects.filter(username="alice").delete()\nUser.objects.filter(username="bob").update(email="changed@example.com")\nUser.objects.create_user("mallory", "m@example.com", "pw-mallory-1")',
    );
    expect(users()).to.not.deep.equal(made);
    scriptOk('restore', ['latest'], app.pg);
    expect(users()).to.deep.equal(made);
    // The restored database is Django's role's, as the one it replaced.
    expect(app.pg.databaseOwner(app.credentials)).to.equal(app.credentials.user);
  });

  it("restores a backup taken while the superuser owned a table and the passwords were others: the table is Django's role's again, and both passwords are those of .env/.prod.db", () => {
    const env = app.dbEnvironment();
    const asAdmin = (sql: string) => app.pg.query(app.admin, sql);
    // As a project migrated as the superuser, with passwords changed since its backup.
    asAdmin(`ALTER TABLE users_user OWNER TO ${app.admin.user}`);
    asAdmin(`ALTER ROLE ${app.credentials.user} PASSWORD 'the-password-at-backup-time'`);
    asAdmin(`ALTER ROLE ${app.admin.user} PASSWORD 'the-superuser-password-at-backup-time'`);
    scriptOk('backup', [], app.pg, { POSTGRES_PASSWORD: 'the-superuser-password-at-backup-time' });
    app.pg.query(
      { ...app.admin, password: 'the-superuser-password-at-backup-time' },
      `ALTER ROLE ${app.admin.user} PASSWORD '${env.POSTGRES_PASSWORD}'`,
    );
    asAdmin(`ALTER ROLE ${app.credentials.user} PASSWORD '${env.APP_DB_PASSWORD}'`);
    asAdmin(`ALTER TABLE users_user OWNER TO ${app.credentials.user}`);

    scriptOk('restore', ['latest'], app.pg);
    expect(users(), 'Django reads its tables, logging in with SQL_PASSWORD').to.deep.equal(made);
    expect(
      app.pg.query(app.credentials, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"),
    ).to.equal(app.credentials.user);
    expect(asAdmin('SELECT current_user'), 'the superuser logs in with POSTGRES_PASSWORD').to.equal(app.admin.user);
  });

  it('refuses a backup that does not exist, naming those there, and changes nothing', () => {
    const ran = script('restore', ['backup-19990101T000000Z'], app.pg);
    expect(ran.status).to.equal(2);
    expect(ran.stderr).to.contain('There is no backup backup-19990101T000000Z').and.contain(dumps()[0]);
    expect(users()).to.deep.equal(made);
  });

  /** A new cluster as the postgres image makes on an empty volume (POSTGRES_* and the init scripts), in `root`; the latest backup restored into it. */
  async function restoreIntoNew(root: Root): Promise<Postgres> {
    const pg = new Postgres(await freePort(), root);
    others.push(pg);
    await app.startPostgres(pg);
    scriptOk('restore', ['latest'], pg);
    return pg;
  }

  it('restores into a new volume, roles included: the hand-made role logs in and reads the rows', async () => {
    const pg = await restoreIntoNew(app.root);
    expect(users({ SQL_PORT: String(pg.port) })).to.deep.equal(made);
    const reader = { ...app.credentials, ...READER };
    expect(pg.query(reader, 'SELECT count(*) FROM users_user')).to.equal(String(made.length));
  });

  it('upgrades Postgres 17 to 18 as the README says: the backup of 17 restored by 18 on a new volume gives every row', async () => {
    expect(app.root.versions().postgres).to.match(/^17\./);
    const forky = new Root('forky');
    expect(forky.versions().postgres).to.match(/^18\./);
    const pg = await restoreIntoNew(forky);
    expect(pg.query(app.credentials, 'SHOW server_version')).to.match(/^18\./);
    // Postgres 18's initdb turns data checksums on; a restore from a dump does not care (pg_upgrade would).
    expect(pg.query(app.credentials, 'SHOW data_checksums')).to.equal('on');
    expect(users({ SQL_PORT: String(pg.port) })).to.deep.equal(made);
    expect(pg.query({ ...app.credentials, ...READER }, 'SELECT count(*) FROM users_user')).to.equal(
      String(made.length),
    );
  });
});
