// The entrypoint and the migrations with a role that is not a superuser, for both
// stacks: the role owns its database, as a least-privilege app role would.
import { expect } from 'chai';
import type { RuntimeProject } from './project.js';

const ROLE = { user: 'app_owner', password: 'an-app-password-42', db: 'app_owned' };

export function nonSuperuserChecks(app: RuntimeProject): void {
  it('the entrypoint and `migrate` work as a role that owns its database and is no superuser (NOSUPERUSER NOCREATEDB NOCREATEROLE)', async function () {
    this.timeout(120_000);
    const admin = app.credentials;
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
