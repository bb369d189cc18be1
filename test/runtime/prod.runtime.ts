// Runtime tier, production stack (`--prod`): the production scripts run natively against
// a real Postgres and Redis with the values Compose resolves from .env/.prod and
// .env/.prod.db; gunicorn from the production start script, behind a real nginx running
// the generated nginx.conf (upstream and volume paths pointed at this machine).
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { celeryServiceChecks } from './celery-checks.js';
import { HOSTILE_PASSWORD } from '../fixtures.js';
import { DEFAULT_PROJECT, projectHooks, RuntimeProject, type RuntimeScenario, TEST_SETTINGS } from './project.js';
import { httpGet, type HttpResponse, type Proc, waitUntil } from './support.js';

/** gunicorn's port: fixed in compose/production/django/start (as in its container). */
const GUNICORN_PORT = 8000;
/** A TLS proxy in front of nginx would say so; Django redirects to HTTPS otherwise. */
const BEHIND_TLS = { 'X-Forwarded-Proto': 'https' };

interface Scenario extends RuntimeScenario {
  /** A host name from the allowed hosts, sent as Host. */
  host: string;
}

const SCENARIOS: Scenario[] = [
  {
    title: 'default answers',
    options: { defaults: true, prod: true },
    expected: DEFAULT_PROJECT,
    host: 'localhost',
    lateDatabase: true,
  },
  {
    title: 'custom answers: user shop_user, database shop_db, hosts example.com www.example.com',
    options: {
      defaults: true,
      prod: true,
      'project-name': 'shop',
      'postgres-db': 'shop_db',
      'postgres-user': 'shop_user',
      'postgres-password': HOSTILE_PASSWORD,
      'allowed-hosts': 'example.com www.example.com',
      'flower-user': 'ops',
    },
    expected: { name: 'shop', db: 'shop_db', user: 'shop_user' },
    host: 'www.example.com',
    lateDatabase: false,
  },
];

for (const scenario of SCENARIOS) {
  describe(`The production variant run natively (${scenario.title})`, function () {
    this.timeout(90_000);
    const app = new RuntimeProject({ options: scenario.options, composeFiles: ['docker-compose.prod.yml'], extraEnv: TEST_SETTINGS });
    let web: Proc | undefined;
    let nginx: Proc | undefined;
    let nginxPort = 0;
    const get = (path: string, headers: Record<string, string> = BEHIND_TLS): Promise<HttpResponse> => httpGet(nginxPort, path, { Host: scenario.host, ...headers });

    projectHooks(app, scenario, { port: GUNICORN_PORT, who: 'gunicorn (`--bind 0.0.0.0:8000` in compose/production/django/start)' }, () => {
      // What the image holds and the volumes mount: the folders of static files and uploads.
      mkdirSync(join(app.project, 'staticfiles'), { recursive: true });
      mkdirSync(join(app.project, 'mediafiles'), { recursive: true });
    });

    it('gives web, worker, beat and Flower the .env/.prod values, and the db the same credentials from .env/.prod.db', () => {
      const { db, user } = scenario.expected;
      expect(app.credentials).to.include({ db, user });
      expect(app.credentials.password).to.match(/^\S{16,}$/);
      for (const service of ['web', 'celery_worker', 'celery_beat', 'flower']) {
        const env = app.env(service);
        expect(env.DEBUG, service).to.equal('0');
        expect(env.SQL_DATABASE, service).to.equal(db);
        expect(env.SQL_USER, service).to.equal(user);
        expect(env.SQL_PASSWORD, service).to.equal(app.credentials.password);
      }
    });

    it(`entrypoint: ${scenario.lateDatabase ? 'waits while Postgres is down, then ' : ''}runs \`manage.py migrate --noinput\` (as \`compose run --rm web\` in the README)`, async function () {
      this.timeout(120_000);
      const migrate = app.startService('web', 'web run migrate', {}, ['python', 'manage.py', 'migrate', '--noinput']);
      if (scenario.lateDatabase) {
        await waitUntil('the entrypoint to report waiting three times', () => migrate.count(/Waiting for PostgreSQL/) >= 3, 30_000, () => migrate.describe());
        expect(migrate.output).not.to.match(/PostgreSQL is available|Applying/);
        await app.startDatabase();
      }
      await migrate.waitForExit(90_000);
      expect(migrate.exitCode, migrate.describe()).to.equal(0);
      expect(migrate.output).to.match(/PostgreSQL is available[\s\S]*Applying auth\.0001_initial\.\.\. OK/);
      expect(Number(app.pg.query(app.credentials, 'SELECT count(*) FROM django_migrations'))).to.be.greaterThan(10);
    });

    it('start: collects the static files into STATIC_ROOT, then runs gunicorn on port 8000', async function () {
      this.timeout(120_000);
      web = app.startService('web');
      await web.waitFor(/static files? copied to/, 60_000);
      await web.waitFor(/Listening at: http:\/\/0\.0\.0\.0:8000/, 60_000);
      await web.waitFor(/Booting worker with pid/, 30_000);
      expect(existsSync(join(app.project, 'staticfiles', 'admin', 'css', 'base.css'))).to.equal(true);
    });

    it("nginx with the generated nginx.conf (upstream at loopback) answers with the app's page through the proxy", async function () {
      this.timeout(60_000);
      ({ proc: nginx, port: nginxPort } = await app.startNginx(GUNICORN_PORT));
      const page = await waitUntil('nginx to answer', () => get('/').catch(() => undefined), 20_000, () => `${nginx!.describe()}\n${web?.describe() ?? ''}`);
      expect(page.status, page.body.slice(0, 500)).to.equal(200);
      expect(page.body).to.contain(`<h1>${scenario.expected.name}</h1>`);
      expect(String(page.headers.server)).to.match(/^nginx/);
      expect(web!.alive(), 'gunicorn is running').to.equal(true);
    });

    it('nginx serves a collected static file (admin/css/base.css) and an upload from disk', async () => {
      const css = await get('/static/admin/css/base.css');
      expect(css.status).to.equal(200);
      expect(css.headers['content-type']).to.match(/^text\/css/);
      expect(css.body).to.equal(readFileSync(join(app.project, 'staticfiles', 'admin', 'css', 'base.css'), 'utf8'));
      writeFileSync(join(app.project, 'mediafiles', 'hello.txt'), 'an upload\n');
      const media = await get('/media/hello.txt');
      expect(media.status).to.equal(200);
      expect(media.body).to.equal('an upload\n');
    });

    it('DEBUG is off: a missing page gives the plain 404, not the debug page', async () => {
      const missing = await get('/no-such-page/');
      expect(missing.status).to.equal(404);
      expect(missing.body).to.contain('<h1>Not Found</h1>');
      expect(missing.body).not.to.match(/DEBUG = True|Page not found \(404\)|URLconf/);
    });

    it('redirects plain HTTP to HTTPS unless the proxy in front says X-Forwarded-Proto: https', async () => {
      const plain = await get('/', {});
      expect(plain.status).to.equal(301);
      expect(plain.headers.location).to.equal(`https://${scenario.host}/`);
      const secure = await get('/');
      expect(secure.headers['strict-transport-security']).to.match(/max-age=\d+/);
    });

    celeryServiceChecks(app, ' with its login');
  });
}
