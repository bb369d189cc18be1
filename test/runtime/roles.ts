// The entrypoint and the migrations with a role that is not a superuser, for both
// stacks: the role owns its database, as a least-privilege app role would.
import { expect } from 'chai';
import type { RuntimeProject } from './project.js';
import { describeRun } from '../support/run.js';

const ROLE = { user: 'app_owner', password: 'an-app-password-42', db: 'app_owned' };

export function nonSuperuserChecks(app: RuntimeProject): void {
  it('the entrypoint and `migrate` work as a role that owns its database and is no superuser (NOSUPERUSER NOCREATEDB NOCREATEROLE)', async function () {
    this.timeout(120_000);
    const admin = app.admin;
    app.pg.query(
      admin,
      `CREATE ROLE ${ROLE.user} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${ROLE.password}'`,
    );
    app.pg.query(admin, `CREATE DATABASE ${ROLE.db} OWNER ${ROLE.user}`);
    try {
      expect(app.pg.query(admin, `SELECT rolsuper FROM pg_roles WHERE rolname = '${ROLE.user}'`)).to.equal('f');
      const migrate = app.startService(
        'web',
        'migrate as a role that is no superuser',
        { SQL_USER: ROLE.user, SQL_PASSWORD: ROLE.password, SQL_DATABASE: ROLE.db },
        ['python', 'manage.py', 'migrate', '--noinput'],
      );
      await migrate.waitForExit(100_000);
      expect(migrate.exitCode, migrate.describe()).to.equal(0);
      expect(migrate.output, 'the entrypoint reached Postgres as the role').to.contain('PostgreSQL is available');
      // The tables are the role's own, in its own database.
      expect(
        app.pg.query(
          { ...ROLE },
          "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'django_%'",
        ),
      ).to.equal(ROLE.user);
    } finally {
      app.pg.query(admin, `DROP DATABASE IF EXISTS ${ROLE.db}`);
      app.pg.query(admin, `DROP ROLE IF EXISTS ${ROLE.user}`);
    }
  });
}

/** What the generated app-role.sh does when run by hand: as `compose exec db bash ...` runs it. */
function runAppRole(app: RuntimeProject, env: Record<string, string> = {}) {
  return app.pg.initRun(app.initFolder()!, ['/bin/bash', '/docker-entrypoint-initdb.d/app-role.sh'], {
    ...app.dbEnvironment(),
    ...env,
  });
}

/**
 * Production's Django role, made by compose/production/postgres/initdb/app-role.sh when
 * the harness set Postgres up as the image does; run after the entrypoint's migrate.
 */
export function appRoleChecks(app: RuntimeProject): void {
  it('Django connects as a role of its own that owns the database and its tables, and is no superuser; the superuser is another role', () => {
    expect(app.credentials.user).to.not.equal(app.admin.user);
    expect(app.credentials.password).to.not.equal(app.admin.password);
    expect(
      app.pg.query(
        app.credentials,
        'SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = current_user',
      ),
    ).to.equal('f|f|f|f|f');
    expect(app.pg.databaseOwner(app.credentials)).to.equal(app.credentials.user);
    expect(
      app.pg.query(app.credentials, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"),
    ).to.equal(app.credentials.user);
    expect(app.pg.query(app.admin, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).to.equal('t');
    // What a superuser could do, Django's role cannot.
    expect(() => app.pg.query(app.credentials, "COPY (SELECT 1) TO PROGRAM 'true'")).to.throw(
      /permission denied|must be superuser|pg_execute_server_program/,
    );
    expect(() => app.pg.query(app.credentials, 'CREATE DATABASE another')).to.throw(
      /permission denied to create database/,
    );
  });

  it("app-role.sh run again by hand (the README's step) sets a changed password, and the old one stops working", () => {
    const changed = 'a-changed-app-password-7';
    try {
      const ran = runAppRole(app, { APP_DB_PASSWORD: changed });
      expect(ran.status, describeRun(ran)).to.equal(0);
      expect(ran.stdout).to.contain(`${app.credentials.user} owns ${app.credentials.db}`);
      expect(ran.stdout + ran.stderr, 'the password is never printed').to.not.contain(changed);
      expect(app.pg.query({ ...app.credentials, password: changed }, 'SELECT current_user')).to.equal(
        app.credentials.user,
      );
      expect(() => app.pg.query(app.credentials, 'SELECT 1')).to.throw(/password authentication failed/);
    } finally {
      const back = runAppRole(app);
      expect(back.status, describeRun(back)).to.equal(0);
    }
    expect(app.pg.query(app.credentials, 'SELECT current_user')).to.equal(app.credentials.user);
  });

  it('app-role.sh on a volume whose tables the superuser made (an older project) gives them, their sequences, views, types and functions to a new role, which can then change them', () => {
    const legacy = { db: 'legacy_db', user: 'legacy_app', password: 'a-legacy-app-password-9' };
    app.pg.query(app.admin, `CREATE DATABASE ${legacy.db}`);
    try {
      const asAdmin = { ...app.admin, db: legacy.db };
      app.pg.query(
        asAdmin,
        [
          'CREATE TABLE identified (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text)',
          'CREATE TABLE serial_ids (id serial PRIMARY KEY)',
          'CREATE SEQUENCE standalone',
          'CREATE VIEW names AS SELECT name FROM identified',
          'CREATE MATERIALIZED VIEW counted AS SELECT count(*) FROM identified',
          "CREATE TYPE mood AS ENUM ('ok')",
          'CREATE DOMAIN positive AS int CHECK (VALUE > 0)',
          'CREATE TYPE pair AS (a int, b int)',
          "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1'",
        ].join('; '),
      );
      const ran = runAppRole(app, {
        POSTGRES_DB: legacy.db,
        APP_DB_USER: legacy.user,
        APP_DB_PASSWORD: legacy.password,
      });
      expect(ran.status, describeRun(ran)).to.equal(0);
      expect(
        app.pg.query(
          asAdmin,
          "SELECT string_agg(relname || ':' || pg_get_userbyid(relowner), ' ' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v', 'm', 'S')",
        ),
      ).to.equal(
        'counted:legacy_app identified:legacy_app identified_id_seq:legacy_app names:legacy_app serial_ids:legacy_app serial_ids_id_seq:legacy_app standalone:legacy_app',
      );
      expect(
        app.pg.query(
          asAdmin,
          "SELECT string_agg(typname || ':' || pg_get_userbyid(typowner), ' ' ORDER BY typname) FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typname IN ('mood', '_mood', 'positive', 'pair') UNION ALL SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'one'",
        ),
      ).to.equal('_mood:legacy_app mood:legacy_app pair:legacy_app positive:legacy_app\nlegacy_app');
      // What a migration does, as the new role.
      app.pg.query(
        legacy,
        "ALTER TABLE identified ADD COLUMN added int; INSERT INTO identified (name) VALUES ('x'); INSERT INTO serial_ids DEFAULT VALUES; SELECT nextval('standalone'); REFRESH MATERIALIZED VIEW counted; DROP VIEW names; ALTER TYPE mood ADD VALUE 'meh'; ALTER DOMAIN positive SET DEFAULT 1; CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 2'",
      );
      expect(app.pg.query(legacy, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).to.equal('f');
    } finally {
      app.pg.query(app.admin, `DROP DATABASE IF EXISTS ${legacy.db}`);
      app.pg.query(app.admin, `DROP ROLE IF EXISTS ${legacy.user}`);
    }
  });

  it('app-role.sh run by hand refuses an APP_DB_USER that is the superuser (a project generated before), saying what to change, and changes nothing; sourced by the image on a new volume, it says so and lets the first start go on', () => {
    const ran = runAppRole(app, { APP_DB_USER: app.admin.user });
    expect(ran.status, describeRun(ran)).to.equal(1);
    expect(ran.stderr)
      .to.contain(`APP_DB_USER is ${app.admin.user}, the superuser this database was created with`)
      .and.contain('SQL_USER and SQL_PASSWORD (.env/.prod)');
    expect(app.pg.query(app.admin, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).to.equal('t');
    // The image's first start of such a project: sourced, the script says so and lets the start go on.
    const sourced = app.pg.initScripts(app.initFolder()!, { ...app.dbEnvironment(), APP_DB_USER: app.admin.user });
    expect(sourced.status, describeRun(sourced)).to.equal(0);
    expect(sourced.stderr).to.contain(`APP_DB_USER is ${app.admin.user}`);
    const missing = runAppRole(app, { APP_DB_PASSWORD: '' });
    expect(missing.status, describeRun(missing)).to.equal(1);
    expect(missing.stderr).to.contain('APP_DB_USER and APP_DB_PASSWORD must be set in .env/.prod.db');
  });
}
