// Postgres's own rule for the pg_ prefix, checked against the real Postgres: it reserves
// the prefix for role names only. The validators follow it.
import { expect } from 'chai';
import { ANSWERS } from '../../src/generators/lib/answers/answers.js';
import { Root } from './roots.js';
import { freePort, Postgres } from './support.js';

const validate = (name: 'postgresDb' | 'postgresUser', value: string) =>
  ANSWERS.find(spec => spec.name === name)!.validate(value, {});

describe('Postgres names starting with pg_', () => {
  let pg: Postgres;
  const credentials = { db: 'pg_data', user: 'hello_django', password: 'hello_django' };

  before(async () => {
    pg = new Postgres(await freePort(), new Root('trixie'));
    // As the image's initdb does from POSTGRES_DB and POSTGRES_USER.
    await pg.start(credentials);
  });
  after(() => pg.stop());

  it('make a database the project connects to, and the validator accepts them', () => {
    expect(pg.query(credentials, 'SELECT current_database()')).to.equal('pg_data');
    expect(validate('postgresDb', 'pg_data')).to.equal(true);
    expect(validate('postgresDb', 'PG_Data')).to.equal(true);
  });

  it('are refused by Postgres as role names, and by the validator', () => {
    expect(() => pg.query(credentials, 'CREATE ROLE pg_app LOGIN')).to.throw(/role name "pg_app" is reserved/);
    expect(validate('postgresUser', 'pg_app')).to.match(/reserves role names starting with pg_/);
  });
});
