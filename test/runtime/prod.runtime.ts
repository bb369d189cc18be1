// Runtime tier, production stack (`--prod`): the production scripts run in the Debian
// root of the image's Python against a real Postgres and Redis with the values Compose
// resolves from .env/.prod and .env/.prod.db; gunicorn from the production start
// script, behind a real nginx running the generated nginx.conf. Each "container" gets a
// loopback address of its own, and a dnsmasq on 127.0.0.11 answers the service names
// as Docker's embedded DNS would.
import { expect } from 'chai';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { appRoleChecks, nonSuperuserChecks } from './roles.js';
import { celeryServiceChecks } from './celery-checks.js';
import { projectHooks, RuntimeProject, TEST_SETTINGS, TLS_PROXY_ADDRESS } from './project.js';
import { describeRun, type Ran, run, runSync } from '../support/run.js';
import { FakeDocker } from './fake-docker.js';
import {
  Dnsmasq,
  freePort,
  HOST_PATH,
  httpGet,
  httpRequest,
  type HttpResponse,
  type Proc,
  setCookies,
  sleep,
  start,
  waitUntil,
} from './support.js';
import { NEWEST_SHOP } from '../fixtures.js';

/** gunicorn's port: fixed in compose/production/django/start (as in its container). */
const GUNICORN_PORT = 8000;
/** web's container address, before and after a redeploy replaces the container. */
const WEB_ADDRESSES = ['127.0.0.2', '127.0.0.3'] as const;
/** A web container started with DJANGO_SECURE_PROXY=1 beside the running one. */
const SECURE_WEB_ADDRESS = '127.0.0.4';
/** The addresses of the web containers that the redeploy script's runs start. */
const ROLLING_ADDRESSES = ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'] as const;
const SUPERUSER = { name: 'admin', password: 'a-long-admin-password-42' };

interface Scenario {
  title: string;
  options: Record<string, unknown>;
  expected: { name: string; db: string; user: string };
  /** A host name from the allowed hosts, sent as Host. */
  host: string;
  lateDatabase: boolean;
  /** Runs the lifecycle checks (wrong credentials, health, redeploy, crashes): once is enough. */
  lifecycle: boolean;
}

const SCENARIOS: Scenario[] = [
  {
    title: 'default answers: Python 3.13, Django 5.2',
    options: { defaults: true, prod: true },
    expected: { name: 'django_celery_example', db: 'hello_django', user: 'hello_django' },
    host: 'localhost',
    lateDatabase: true,
    lifecycle: true,
  },
  {
    title:
      'Python 3.14, Django 6.1, Postgres 18, Redis 8.2, custom answers: user shop_user, database shop_db, hosts example.com www.example.com',
    options: {
      defaults: true,
      prod: true,
      ...NEWEST_SHOP,
      'postgres-password': `p@ss $HOME #1 'q' "d" \\back`,
      'allowed-hosts': 'example.com www.example.com',
      'flower-user': 'ops',
    },
    expected: { name: 'shop', db: 'shop_db', user: 'shop_user' },
    host: 'www.example.com',
    lateDatabase: false,
    lifecycle: false,
  },
];

/** What a user adds to the project: a view that raises, a task that kills its own process, one that tells its process, one that reads an upload. */
function addUserCode(project: string): void {
  appendFileSync(
    join(project, 'polls', 'views.py'),
    `

def boom(request):
    raise RuntimeError("a view that raises")
`,
  );
  appendFileSync(join(project, 'polls', 'urls.py'), '\nurlpatterns.append(path("boom/", views.boom, name="boom"))\n');
  appendFileSync(
    join(project, 'polls', 'tasks.py'),
    `

@shared_task
def kill_own_process():
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


@shared_task
def process_id():
    import os

    return os.getpid()


@shared_task
def read_upload(name):
    from django.core.files.storage import default_storage

    with default_storage.open(name) as upload:
        return upload.read().decode()
`,
  );
}

for (const scenario of SCENARIOS) {
  describe(`The production variant run natively (${scenario.title})`, function () {
    this.timeout(90_000);
    const app = new RuntimeProject({
      options: scenario.options,
      composeFiles: ['docker-compose.prod.yml'],
      extraEnv: TEST_SETTINGS,
    });
    const dns = new Dnsmasq();
    let web: Proc | undefined;
    let webAddress: string = WEB_ADDRESSES[0];
    let nginx: Proc | undefined;
    let nginxPort = 0;
    /** A browser's request to nginx: plain HTTP, Host as typed in the address bar. */
    const get = (path: string, headers: Record<string, string> = {}): Promise<HttpResponse> =>
      httpGet(nginxPort, path, { Host: scenario.host, ...headers });

    const startWeb = async (address: string, label = 'web', extra: Record<string, string> = {}): Promise<Proc> => {
      const proc = app.startService('web', label, extra, undefined, {
        bind: [`0.0.0.0:${GUNICORN_PORT}`, `${address}:${GUNICORN_PORT}`],
      });
      await proc.waitFor(new RegExp(`Listening at: http://${address.replaceAll('.', '\\.')}:${GUNICORN_PORT}`), 60_000);
      await proc.waitFor(/Booting worker with pid/, 30_000);
      webAddress = address;
      return proc;
    };

    /** web's Compose healthcheck, run as Docker runs it in the container (whose 127.0.0.1 is web's address here). */
    const webHealthcheckArgv = (address: string) => {
      const test = app.config.services.web.healthcheck?.test ?? [];
      expect(test[0], 'web has a healthcheck run without a shell').to.equal('CMD');
      const argv = test.slice(1).map(word => word.replaceAll('$$', '$'));
      const own = argv.map(word => word.replaceAll('127.0.0.1', address));
      expect(own, "the healthcheck asks gunicorn on the container's own 127.0.0.1").to.not.deep.equal(argv);
      expect(argv.join(' '), `the healthcheck asks gunicorn's port ${GUNICORN_PORT}`).to.match(
        new RegExp(`\\b${GUNICORN_PORT}\\b`),
      );
      return own;
    };
    const webHealthcheck = () => app.runInRoot(webHealthcheckArgv(webAddress), 'web', {}, 30_000);

    const ensureWorker = () => app.ensureWorker();

    projectHooks(
      app,
      scenario,
      { port: GUNICORN_PORT, who: 'gunicorn (`--bind 0.0.0.0:8000` in compose/production/django/start)' },
      () => {
        addUserCode(app.project);
        // What the image holds and the volumes mount: the folders of static files and uploads.
        mkdirSync(join(app.project, 'staticfiles'), { recursive: true });
        mkdirSync(join(app.project, 'mediafiles'), { recursive: true });
      },
    );

    // Docker's DNS knows web (not running yet) and no Flower: nginx must start all the same.
    before(() => dns.start({ web: WEB_ADDRESSES[0] }));
    after(() => dns.stop());

    it('gives web, worker, beat and Flower the .env/.prod values, and the db the same database, role and password from .env/.prod.db (APP_DB_*), with a superuser of its own', () => {
      const { db, user } = scenario.expected;
      expect(app.credentials).to.include({ db, user });
      expect(app.credentials.password).to.match(/^\S{16,}$/);
      expect(app.admin.db).to.equal(db);
      expect(app.admin.user).to.equal(user === 'postgres' ? 'postgres_admin' : 'postgres');
      expect(app.admin.password)
        .to.match(/^\S{16,}$/)
        .and.not.equal(app.credentials.password);
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
        await waitUntil(
          'the entrypoint to report waiting three times',
          () => migrate.count(/Waiting for PostgreSQL/) >= 3,
          30_000,
          () => migrate.describe(),
        );
        expect(migrate.output).not.to.match(/PostgreSQL is available|Applying|Cannot connect/);
        await app.startDatabase();
      }
      await migrate.waitForExit(90_000);
      expect(migrate.exitCode, migrate.describe()).to.equal(0);
      expect(migrate.output).to.match(/PostgreSQL is available[\s\S]*Applying auth\.0001_initial\.\.\. OK/);
      expect(Number(app.pg.query(app.credentials, 'SELECT count(*) FROM django_migrations'))).to.be.greaterThan(10);
    });

    if (scenario.lifecycle) {
      for (const [what, wrong, reason] of [
        [
          'a wrong password',
          { SQL_PASSWORD: 'not-the-password-of-the-volume' },
          /Cannot connect to PostgreSQL: .*password authentication failed for user "hello_django"/,
        ],
        [
          'a database that does not exist',
          { SQL_DATABASE: 'no_such_database' },
          /Cannot connect to PostgreSQL: .*database "no_such_database" does not exist/,
        ],
      ] as const) {
        it(`entrypoint: with ${what}, prints Postgres's reason at each attempt and stops with an error after SQL_WAIT_SECONDS`, async function () {
          this.timeout(60_000);
          const started = Date.now();
          const migrate = app.startService('web', `web run migrate (${what})`, { ...wrong, SQL_WAIT_SECONDS: '3' }, [
            'python',
            'manage.py',
            'migrate',
            '--noinput',
          ]);
          await migrate.waitForExit(40_000);
          const seconds = (Date.now() - started) / 1000;
          expect(migrate.exitCode, migrate.describe()).to.not.equal(0);
          expect(migrate.count(new RegExp(reason.source, 'g')), migrate.describe()).to.be.at.least(2);
          expect(migrate.output).to.match(/Gave up after 3 s/);
          expect(migrate.output).not.to.match(/Waiting for PostgreSQL|PostgreSQL is available|Applying/);
          expect(migrate.output).not.to.contain(wrong.SQL_PASSWORD ?? app.credentials.password);
          expect(seconds, 'bounded by SQL_WAIT_SECONDS').to.be.within(3, 20);
        });
      }
    }

    it("start: collects the static files into STATIC_ROOT, then runs gunicorn on port 8000 (at web's container address)", async function () {
      this.timeout(120_000);
      web = await startWeb(WEB_ADDRESSES[0]);
      expect(web.output).to.match(/static files? copied to/);
      // GUNICORN_WORKERS from .env/.prod, not a number of CPUs.
      expect(app.env('web').GUNICORN_WORKERS).to.equal('3');
      await waitUntil(
        'gunicorn to boot GUNICORN_WORKERS workers',
        () => web!.count(/Booting worker with pid/) === 3,
        30_000,
        () => web!.describe(),
      );
      expect(existsSync(join(app.project, 'staticfiles', 'admin', 'css', 'base.css'))).to.equal(true);
    });

    it("nginx starts while Flower is down (Docker's DNS knows no flower) and serves the app's page; /flower/ answers 502", async function () {
      this.timeout(60_000);
      expect(dns.lookup('flower')).to.equal(undefined);
      ({ proc: nginx, port: nginxPort } = await app.startNginx());
      const page = await waitUntil(
        'nginx to answer',
        () => get('/').catch(() => undefined),
        20_000,
        () => `${nginx!.describe()}\n${web?.describe() ?? ''}`,
      );
      expect(page.status, page.body.slice(0, 500)).to.equal(200);
      expect(page.body).to.contain(`<h1>${scenario.expected.name}</h1>`);
      expect(String(page.headers.server)).to.match(/^nginx/);
      expect((await get('/flower/')).status).to.equal(502);
      expect(nginx!.alive(), 'nginx is running').to.equal(true);
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

    it('first visit over plain HTTP: the page, no redirect, no HSTS; the admin login works and its cookies are not Secure', async function () {
      this.timeout(60_000);
      const plain = await get('/');
      expect(plain.status).to.equal(200);
      expect(plain.headers['strict-transport-security']).to.equal(undefined);
      const created = app.manage(['createsuperuser', '--noinput'], 'web', {
        DJANGO_SUPERUSER_USERNAME: SUPERUSER.name,
        DJANGO_SUPERUSER_PASSWORD: SUPERUSER.password,
        DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
      });
      expect(created.status, created.stdout + created.stderr).to.equal(0);
      const host = `${scenario.host}:${nginxPort}`;
      const form = await get('/admin/login/', { Host: host });
      expect(form.status).to.equal(200);
      const csrf = setCookies(form).get('csrftoken');
      expect(csrf?.attributes, 'csrftoken cookie').to.not.match(/secure/i);
      const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(form.body)?.[1];
      expect(token, 'the form holds a CSRF token').to.be.a('string');
      const body = new URLSearchParams({
        csrfmiddlewaretoken: token!,
        username: SUPERUSER.name,
        password: SUPERUSER.password,
        next: '/admin/',
      }).toString();
      const login = await httpRequest({
        port: nginxPort,
        path: '/admin/login/?next=/admin/',
        method: 'POST',
        headers: {
          Host: host,
          Origin: `http://${host}`,
          Cookie: `csrftoken=${csrf!.value}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          'Content-Length': String(Buffer.byteLength(body)),
        },
        body,
      });
      expect(login.status, login.body.slice(0, 800)).to.equal(302);
      expect(login.headers.location).to.equal('/admin/');
      const session = setCookies(login).get('sessionid');
      expect(session?.attributes, 'sessionid cookie').to.not.match(/secure/i);
      const admin = await get('/admin/', { Host: host, Cookie: `sessionid=${session!.value}` });
      expect(admin.status).to.equal(200);
      expect(admin.body).to.contain('Site administration');
    });

    it("the README's first visit works as written", async function () {
      this.timeout(30_000);
      const readme = readFileSync(join(app.project, 'README.md'), 'utf8');
      const published = app.config.services.nginx.ports?.[0]?.published;
      const curl = /^curl -H 'Host: ([^']+)' http:\/\/localhost:(\d+)\/$/m.exec(readme);
      const open = /^Then open http:\/\/localhost:(\d+) /m.exec(readme);
      expect(Boolean(curl) !== Boolean(open), 'the README gives one way to try the site').to.equal(true);
      if (open) {
        expect(open[1]).to.equal(String(published));
        const page = await get('/', { Host: `localhost:${open[1]}` });
        expect(page.status).to.equal(200);
      } else {
        expect(curl![2]).to.equal(String(published));
        const command = curl![0].replace(`localhost:${curl![2]}`, `127.0.0.1:${nginxPort}`);
        const result = runSync('bash', ['-c', `${command} --silent --show-error --fail`], { timeoutMs: 20_000 });
        expect(result.status, result.stderr).to.equal(0);
        expect(result.stdout).to.contain(`<h1>${scenario.expected.name}</h1>`);
      }
    });

    it('with DJANGO_SECURE_PROXY=1 (a TLS proxy in front): redirects plain HTTP to HTTPS, sends HSTS over HTTPS, marks cookies Secure', function () {
      this.timeout(60_000);
      const out = app.manage(
        [
          'shell',
          '-c',
          [
            'from django.conf import settings',
            'from django.test import Client',
            'client = Client()',
            `plain = client.get("/", HTTP_HOST="${scenario.host}")`,
            `secure = client.get("/", HTTP_HOST="${scenario.host}", HTTP_X_FORWARDED_PROTO="https")`,
            'print(plain.status_code, plain.get("Location"))',
            'print(secure.status_code, secure.get("Strict-Transport-Security"))',
            'print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)',
          ].join('\n'),
        ],
        'web',
        { DJANGO_SECURE_PROXY: '1' },
      );
      expect(out.status, out.stderr).to.equal(0);
      const lines = out.stdout.trim().split('\n').slice(-3);
      expect(lines[0]).to.equal(`301 https://${scenario.host}/`);
      expect(lines[1]).to.match(/^200 max-age=\d+/);
      expect(lines[2]).to.equal('True True');
    });

    if (scenario.lifecycle) {
      it('X-Forwarded-Proto is trusted only from the stack network: with DJANGO_SECURE_PROXY=1, a client claiming HTTPS from elsewhere gets the redirect, the TLS proxy gets the page with HSTS', async function () {
        this.timeout(120_000);
        const plainWeb = { proc: web!, address: webAddress };
        const secureWeb = await startWeb(SECURE_WEB_ADDRESS, 'web (DJANGO_SECURE_PROXY=1)', {
          DJANGO_SECURE_PROXY: '1',
        });
        const claimsHttps = { 'X-Forwarded-Proto': 'https' };
        try {
          await dns.set({ web: SECURE_WEB_ADDRESS });
          // Plain HTTP is redirected once nginx has followed web to its new address.
          await waitUntil(
            'nginx to reach the web with DJANGO_SECURE_PROXY=1',
            async () => ((await get('/')).status === 301 ? true : undefined),
            30_000,
            () => `${nginx!.describe()}\n${secureWeb.describe()}`,
            500,
          );
          // A client reaching nginx directly (from 127.0.0.1), claiming HTTPS.
          const spoofed = await get('/', claimsHttps);
          expect(spoofed.status, 'a client claiming HTTPS from outside the stack network').to.equal(301);
          expect(spoofed.headers.location).to.equal(`https://${scenario.host}/`);
          expect(spoofed.headers['strict-transport-security']).to.equal(undefined);
          const fromProxy = (headers: Record<string, string>) =>
            httpRequest({
              port: nginxPort,
              path: '/',
              localAddress: TLS_PROXY_ADDRESS,
              headers: { Host: scenario.host, ...headers },
            });
          const proxied = await fromProxy(claimsHttps);
          expect(proxied.status, proxied.body.slice(0, 300)).to.equal(200);
          expect(proxied.headers['strict-transport-security']).to.match(/^max-age=\d+/);
          // The proxy passing plain HTTP on: redirected as well.
          expect((await fromProxy({ 'X-Forwarded-Proto': 'http' })).status).to.equal(301);
        } finally {
          await dns.set({ web: plainWeb.address });
          await secureWeb.stop();
          webAddress = plainWeb.address;
          web = plainWeb.proc;
        }
        await waitUntil(
          'nginx to reach the plain web again',
          async () => ((await get('/')).status === 200 ? true : undefined),
          30_000,
          () => nginx!.describe(),
          500,
        );
      });
    }

    it('uploads are never run as the site: nosniff, a sandbox, and an uploaded SVG or HTML page downloaded as an attachment', async () => {
      const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>\n';
      writeFileSync(join(app.project, 'mediafiles', 'avatar.svg'), svg);
      writeFileSync(join(app.project, 'mediafiles', 'page.html'), '<script>alert(document.cookie)</script>\n');
      writeFileSync(join(app.project, 'mediafiles', 'photo.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
      for (const [name, type, attachment] of [
        ['avatar.svg', /^image\/svg\+xml/, true],
        ['page.html', /^text\/html/, true],
        ['photo.png', /^image\/png/, false],
      ] as const) {
        const upload = await get(`/media/${name}`);
        expect(upload.status, name).to.equal(200);
        expect(upload.headers['content-type'], name).to.match(type);
        expect(upload.headers['x-content-type-options'], name).to.equal('nosniff');
        expect(upload.headers['content-security-policy'], name).to.match(/\bsandbox\b/);
        if (attachment) expect(upload.headers['content-disposition'], name).to.equal('attachment');
        else expect(upload.headers['content-disposition'], `${name} is shown inline`).to.equal(undefined);
      }
      expect((await get('/media/avatar.svg')).body).to.equal(svg);
    });

    it("errors show: a view that raises answers 500 and leaves its traceback on gunicorn's stderr", async function () {
      this.timeout(30_000);
      const from = { stdout: web!.stdout.length, stderr: web!.stderr.length };
      const boom = await get('/boom/');
      expect(boom.status).to.equal(500);
      expect(boom.body).not.to.contain('a view that raises');
      await waitUntil(
        'the traceback on stderr',
        () => /Traceback[\s\S]*RuntimeError: a view that raises/.test(web!.stderr.slice(from.stderr)),
        10_000,
        () => web!.describe(),
      );
      expect(web!.stdout.slice(from.stdout)).not.to.match(/Traceback/);
    });

    it('gunicorn writes an access line for each request to stdout', async function () {
      this.timeout(30_000);
      const from = web!.stdout.length;
      await get('/no-such-page/?access-log');
      await get('/static/admin/css/base.css');
      await waitUntil(
        'the access line on stdout',
        () => /"GET \/no-such-page\/\?access-log HTTP\/1\.1" \d{3}/.test(web!.stdout.slice(from)),
        10_000,
        () => web!.describe(),
      );
      // nginx serves static files itself: they never reach gunicorn.
      expect(web!.stdout.slice(from)).not.to.contain('/static/');
    });

    if (scenario.lifecycle) {
      it('readiness: /health/ answers 200, then 503 naming Redis while it is stopped (web stays healthy: gunicorn answers), then 200 again', async function () {
        this.timeout(60_000);
        const health = () =>
          httpRequest({
            host: webAddress,
            port: GUNICORN_PORT,
            path: '/health/',
            headers: { Host: `web:${GUNICORN_PORT}` },
          });
        const up = await health();
        expect(up.status, up.body).to.equal(200);
        expect(JSON.parse(up.body)).to.deep.equal({ status: 'ok', database: 'ok', redis: 'ok' });
        await app.redis.stop();
        try {
          const down = await health();
          expect(down.status, down.body).to.equal(503);
          expect(JSON.parse(down.body)).to.include({ status: 'down: redis', database: 'ok' });
          const check = webHealthcheck();
          expect(check.status, `web's healthcheck with Redis down\n${check.stdout}${check.stderr}`).to.equal(0);
          expect((await get('/')).status, 'the site still serves its page').to.equal(200);
        } finally {
          await app.redis.start();
        }
        const again = await health();
        expect(again.status, again.body).to.equal(200);
      });

      it('a redeploy: web replaced by a container at another address; the same nginx process follows it (no restart), and the healthcheck sees gunicorn gone meanwhile', async function () {
        this.timeout(120_000);
        expect((await get('/')).status).to.equal(200);
        const nginxPid = nginx!.pid;
        await web!.stop();
        const gone = webHealthcheck();
        expect(gone.status, "web's healthcheck with gunicorn stopped").to.not.equal(0);
        web = await startWeb(WEB_ADDRESSES[1], 'web (redeployed)');
        await dns.set({ web: WEB_ADDRESSES[1] });
        expect(dns.lookup('web')).to.equal(WEB_ADDRESSES[1]);
        const page = await waitUntil(
          'nginx to reach the new web',
          async () => ((await get('/')).status === 200 ? true : undefined),
          30_000,
          () => `${nginx!.describe()}\n${web!.describe()}`,
          500,
        );
        expect(page).to.equal(true);
        expect(nginx!.exited, 'nginx kept running').to.equal(false);
        expect(nginx!.pid).to.equal(nginxPid);
        expect(nginx!.alive()).to.equal(true);
        // Nothing answers at the old address: the page came from the new container.
        const old = await httpRequest({ host: WEB_ADDRESSES[0], port: GUNICORN_PORT, path: '/' }).then(
          () => 'answered',
          (error: NodeJS.ErrnoException) => error.code,
        );
        expect(old).to.equal('ECONNREFUSED');
      });

      describe('compose/production/redeploy, run by bash against a stand-in Docker engine (test/runtime/fake-docker.ts) while clients load pages through nginx', function () {
        this.timeout(300_000);
        let engine: FakeDocker;
        before(async () => {
          engine = new FakeDocker(
            'docker-compose.prod.yml',
            {
              startWeb: (address, label, env) =>
                app.startService('web', label, env, undefined, {
                  bind: [`0.0.0.0:${GUNICORN_PORT}`, `${address}:${GUNICORN_PORT}`],
                }),
              healthy: async container =>
                (await app.runInContainerOfAsync(container.proc, webHealthcheckArgv(container.address), 'web'))
                  .status === 0,
              publish: addresses => dns.set({ web: addresses }),
              nginxRunning: () => nginx !== undefined && !nginx.exited,
              reloadNginx: async () => answer(await app.reloadNginx()),
              shInNginx: async argv => answer(await app.execInNginx(['/bin/sh', ...argv.slice(1)])),
              migrate: async () => {
                const proc = await app.runInService('web', ['python', 'manage.py', 'migrate', '--noinput']);
                return { stdout: proc.stdout, stderr: proc.stderr, status: proc.exitCode ?? 1 };
              },
            },
            ROLLING_ADDRESSES,
          );
          await engine.start();
          engine.adopt(web!, webAddress);
        });
        after(() => engine?.stop());
        const answer = (ran: Ran) => ({ stdout: ran.stdout, stderr: ran.stderr, status: ran.status ?? 1 });

        /** The script as a user runs it, from a folder of the project, with WEB_REPLICAS=1. */
        const redeploy = () =>
          run('bash', [join(app.project, 'compose', 'production', 'redeploy')], {
            cwd: join(app.project, 'polls'),
            env: engine.env({ PATH: HOST_PATH, HOME: app.project, WEB_REPLICAS: '1' }),
            timeoutMs: 280_000,
          });

        /**
         * GET through nginx as a browser sends it: on a kept-alive connection, and once more
         * on a new one when nginx had closed that connection before any answer (a browser
         * does so by itself, and so does Node's guide to keep-alive): nginx's graceful
         * reload closes its idle connections, which HTTP allows. `resent` counts those.
         */
        let resent = 0;
        const browserGet = async (path: string): Promise<HttpResponse> => {
          try {
            return await get(path);
          } catch (error) {
            const closed = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
            if (!(closed.reusedSocket && closed.code === 'ECONNRESET')) throw error;
            resent++;
            return httpRequest({ port: nginxPort, path, headers: { Host: scenario.host }, newConnection: true });
          }
        };

        /** What each of `clients` clients got for GET /, one request after another, until `work` ends. */
        const underLoad = async <T>(work: Promise<T>, clients = 4): Promise<{ result: T; outcomes: string[] }> => {
          let done = false;
          const outcomes: string[] = [];
          const loops = Array.from({ length: clients }, async () => {
            while (!done) {
              try {
                const page = await browserGet('/');
                outcomes.push(
                  page.status === 200 ? '200' : `${page.status} at ${seconds()}: ${page.body.slice(0, 60)}`,
                );
              } catch (error) {
                outcomes.push(`${(error as NodeJS.ErrnoException).code ?? (error as Error).message} at ${seconds()}`);
              }
              await sleep(25);
            }
          });
          try {
            return { result: await work, outcomes };
          } finally {
            done = true;
            await Promise.all(loops);
          }
        };
        const failed = (outcomes: string[]) => outcomes.filter(outcome => outcome !== '200');
        const seconds = () => (performance.now() / 1000).toFixed(2);

        /** Where each of `commands` (as typed after `docker`) comes in the engine's calls: in this order, each once at least. */
        const inOrder = (commands: Array<string | RegExp>) => {
          let from = 0;
          for (const command of commands) {
            const at = engine.calls.findIndex(
              (call, index) => index >= from && (typeof command === 'string' ? call === command : command.test(call)),
            );
            expect(
              at,
              `\`docker ${command}\` after \`docker ${engine.calls[from - 1]}\`; calls:\n${engine.calls.join('\n')}`,
            ).to.be.at.least(0);
            from = at + 1;
          }
        };

        it('a new version that never gets healthy: the script fails saying so, with its log; it is removed, and the old web serves every request meanwhile', async () => {
          const [old] = engine.running();
          engine.calls.length = 0;
          // A wrong password in the new version's settings: its entrypoint gives up after 3 s.
          engine.nextWebEnv = { SQL_PASSWORD: 'not-the-password', SQL_WAIT_SECONDS: '3' };
          const { result: ran, outcomes } = await underLoad(redeploy());
          engine.nextWebEnv = {};
          expect(ran.status, describeRun(ran)).to.equal(1);
          expect(ran.stderr).to.match(/did not become healthy within 180 s/);
          expect(ran.stderr, "the new container's log").to.match(
            /Gave up after 3 s: PostgreSQL accepted no connection/,
          );
          expect(ran.stdout).to.not.match(/redeploy: done/);
          expect(failed(outcomes), `${outcomes.length} requests`).to.deep.equal([]);
          expect(outcomes.length).to.be.above(20);
          expect(engine.containers.map(container => container.id)).to.deep.equal([old.id]);
          expect(old.proc.alive(), 'the old web runs on').to.equal(true);
          expect(engine.calls).to.not.include(`stop ${old.id}`);
          expect(engine.calls.at(-1), 'no `up -d` of the rest after a failed web').to.equal(
            'compose -f docker-compose.prod.yml exec -T nginx nginx -s reload',
          );
          expect(dns.lookup('web')).to.equal(old.address);
        });

        it('interrupted (Ctrl-C) while the new web starts: the script removes it, says so and exits 130; the old web serves every request meanwhile', async () => {
          const [old] = engine.running();
          engine.calls.length = 0;
          // A new version that keeps waiting for Postgres (a wrong password), so that it is still starting.
          engine.nextWebEnv = { SQL_PASSWORD: 'not-the-password', SQL_WAIT_SECONDS: '120' };
          const script = start(
            'redeploy (interrupted)',
            'bash',
            [join(app.project, 'compose', 'production', 'redeploy')],
            {
              cwd: join(app.project, 'polls'),
              env: engine.env({ PATH: HOST_PATH, HOME: app.project, WEB_REPLICAS: '1' }),
            },
          );
          const interrupted = (async () => {
            await script.waitFor(/starting 1 new web container/, 120_000);
            await waitUntil(
              "the script to ask for the new container's health",
              () => engine.calls.some(call => call.startsWith('inspect --format')),
              60_000,
              () => `${script.describe()}\n${engine.calls.join('\n')}`,
            );
            // As a terminal's Ctrl-C: to the script's whole process group.
            script.signalGroup('SIGINT');
            await script.waitForExit(60_000);
          })();
          const { outcomes } = await underLoad(interrupted);
          engine.nextWebEnv = {};
          expect(script.exitCode, script.describe()).to.equal(130);
          expect(script.output).to.match(
            /interrupted: the new web container\(s\) are removed, and the old ones keep serving/,
          );
          expect(script.output, "the new container's log").to.match(
            /Cannot connect to PostgreSQL: .*password authentication failed/,
          );
          expect(failed(outcomes), `${outcomes.length} requests`).to.deep.equal([]);
          expect(
            engine.containers.map(container => container.id),
            'only the old web is left',
          ).to.deep.equal([old.id]);
          expect(old.proc.alive(), 'the old web runs on').to.equal(true);
          expect(engine.calls).to.not.include(`stop ${old.id}`);
          expect(dns.lookup('web')).to.equal(old.address);
        });

        it('a new version: pulled, built, backed up and migrated first, then new web beside the old (reported unhealthy, which does not hold it back), healthy, nginx reloaded, the old stopped; no request fails and the new code serves', async () => {
          const [old] = engine.running();
          // A stuck replica is often why a fix is deployed: only the new ones are waited for.
          old.unhealthy = true;
          const nginxPid = nginx!.pid;
          engine.calls.length = 0;
          resent = 0;
          // The new version's code: a page the running web does not have (gunicorn loaded its code at start).
          appendFileSync(
            join(app.project, 'polls', 'views.py'),
            '\n\ndef version(request):\n    return HttpResponse("version 2")\n',
          );
          appendFileSync(
            join(app.project, 'polls', 'urls.py'),
            '\nurlpatterns.append(path("version/", views.version))\n',
          );
          expect((await browserGet('/version/')).status, 'the running web is the old version').to.equal(404);

          const nginxFrom = nginx!.output.length;
          const { result: ran, outcomes } = await underLoad(redeploy());
          const upstreamErrors = () =>
            `nginx's errors meanwhile:\n${nginx!.output
              .slice(nginxFrom)
              .split('\n')
              .filter(line => /\[(error|warn|alert|crit)\]/.test(line))
              .join('\n')}\nthe engine's commands:\n${engine.timeline.join('\n')}`;
          expect(ran.status, describeRun(ran)).to.equal(0);
          expect(ran.stdout).to.match(/redeploy: done\n$/);
          expect(failed(outcomes), `${outcomes.length} requests; ${upstreamErrors()}`).to.deep.equal([]);
          console.log(
            `      ${outcomes.length} requests through nginx, none failed; ${resent} sent again on a new connection`,
          );
          expect(outcomes.length).to.be.above(20);

          const compose = (command: string) => `compose -f docker-compose.prod.yml ${command}`;
          const reload = compose('exec -T nginx nginx -s reload');
          const [fresh] = engine.running();
          inOrder([
            compose('pull --ignore-buildable'),
            compose('build --pull'),
            compose('run --rm backup backup'),
            compose('run --rm web python manage.py migrate --noinput'),
            compose('rm -f web'),
            compose('up -d --no-deps --no-recreate --scale web=2 web'),
            // The new container only, until it is healthy: the old one is reported unhealthy.
            new RegExp(`^inspect --format .* ${fresh.id}$`),
            reload,
            // Until nginx's workers from before the reload have answered what they hold.
            /^compose -f docker-compose\.prod\.yml exec -T nginx sh -c .*\[s\]hutting down/s,
            `stop ${old.id}`,
            `rm ${old.id}`,
            reload,
            compose('up -d'),
          ]);
          expect(engine.running()).to.have.length(1);
          expect(fresh.id).to.not.equal(old.id);
          // gunicorn's graceful stop: it exits 0 once requests in flight are done.
          expect(old.proc.exitCode, old.proc.describe()).to.equal(0);
          expect(fresh.proc.count(/"GET \/ HTTP\/1\.[01]" 200/), 'the new web served pages under load').to.be.above(0);
          expect(nginx!.pid, 'nginx was reloaded, never restarted').to.equal(nginxPid);
          expect(nginx!.alive()).to.equal(true);
          expect(dns.lookup('web')).to.equal(fresh.address);
          const page = await browserGet('/version/');
          expect(page.status, page.body.slice(0, 300)).to.equal(200);
          expect(page.body).to.equal('version 2');
          web = fresh.proc;
          webAddress = fresh.address;
        });
      });
    }

    /** Page loads through nginx, one every 400 ms for 8 s (over the answers' cache life): their times in seconds. */
    const pageTimes = async (expected: string): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const started = performance.now();
        const page = await get('/');
        times.push((performance.now() - started) / 1000);
        expect(page.status, page.body.slice(0, 500)).to.equal(200);
        expect(page.body).to.contain(expected);
        await sleep(400);
      }
      return times.sort((a, b) => a - b);
    };

    it('the page never waits on Celery: with a worker up every load returns well within the ping timeout, with none the median load is fast', async function () {
      this.timeout(120_000);
      await ensureWorker();
      // Past the answers each gunicorn process kept from before (CACHE_SECONDS in polls/views.py).
      await sleep(6000);
      const up = await pageTimes('A Celery worker answered.');
      // The ping comes back with the first answer: no load waits its whole timeout (0.5 s).
      expect(up.at(-1), `slowest load with a worker up (s), of ${up.map(t => t.toFixed(3)).join(' ')}`).to.be.below(
        0.5,
      );
      await app.stopWorker();
      await sleep(6000);
      const none = await pageTimes('No Celery worker answered');
      const median = none[Math.floor(none.length / 2)];
      expect(median, `median load with no worker (s), of ${none.map(t => t.toFixed(3)).join(' ')}`).to.be.below(0.1);
      expect(none.at(-1), 'slowest load with no worker (s)').to.be.below(1.5);
    });

    if (scenario.lifecycle) {
      it('any failure of the ping reads as "no worker", never a 500', () => {
        const out = app.shell(
          [
            'from unittest import mock',
            'from django.test import Client',
            'import polls.views',
            'with mock.patch.object(polls.views.app.control, "ping", side_effect=RuntimeError("a broken broker")):',
            '    polls.views._last_answer["at"] = float("-inf")',
            `    response = Client(raise_request_exception=False).get("/", HTTP_HOST="${scenario.host}")`,
            'print(response.status_code, "No Celery worker answered" in response.content.decode())',
          ].join('\n'),
        );
        expect(out.trim().split('\n').pop()).to.equal('200 True');
      });
    }

    celeryServiceChecks(app, ' with its login');
    appRoleChecks(app);
    nonSuperuserChecks(app);

    if (scenario.lifecycle) {
      it('the worker runs CELERY_WORKER_CONCURRENCY processes, and its healthcheck pings its own node: healthy as itself, not as another host', async function () {
        this.timeout(60_000);
        await ensureWorker();
        // CELERY_WORKER_CONCURRENCY from .env/.prod, not a number of CPUs.
        expect(app.env('celery_worker').CELERY_WORKER_CONCURRENCY).to.equal('2');
        expect((await ensureWorker()).output).to.match(/concurrency: 2 \(prefork\)/);
        const test = app.config.services.celery_worker.healthcheck?.test ?? [];
        expect(test[0]).to.equal('CMD-SHELL');
        const command = test[1].replaceAll('$$', '$');
        const own = app.runInRoot(['bash', '-c', command], 'celery_worker', { HOSTNAME: hostname() }, 40_000);
        expect(own.status, own.stdout + own.stderr).to.equal(0);
        const other = app.runInRoot(
          ['bash', '-c', command],
          'celery_worker',
          { HOSTNAME: 'another-container' },
          40_000,
        );
        expect(other.status, 'no node celery@another-container answers').to.not.equal(0);
      });

      it('worker processes are replaced after CELERY_WORKER_MAX_TASKS_PER_CHILD tasks (1 here: each task in a new process)', async function () {
        this.timeout(120_000);
        await app.stopWorker();
        const recycling = app.startService('celery_worker', 'celery_worker (one task per process)', {
          CELERY_WORKER_MAX_TASKS_PER_CHILD: '1',
          CELERY_WORKER_CONCURRENCY: '1',
        });
        try {
          await recycling.waitFor(/celery@\S+ ready\./, 60_000);
          const out = app.shell(
            'from polls.tasks import process_id\nprint([process_id.delay().get(timeout=30) for _ in range(3)])',
          );
          const pids = JSON.parse(out.trim().split('\n').pop()!) as number[];
          expect(new Set(pids).size, `process ids ${pids.join(', ')}`).to.equal(3);
        } finally {
          await recycling.stop();
        }
      });

      it('a task that kills its worker process is delivered 3 times (CELERY_TASK_MAX_DELIVERIES), then recorded as failed; the worker lives on', async function () {
        this.timeout(120_000);
        const proc = await ensureWorker();
        const from = proc.output.length;
        const id = app
          .shell('from polls.tasks import kill_own_process\nprint(kill_own_process.delay().id)')
          .trim()
          .split('\n')
          .pop()!
          .trim();
        const meta = await waitUntil(
          'the task to be recorded as failed',
          () => (app.redis.taskMeta(id)?.status === 'FAILURE' ? app.redis.taskMeta(id) : undefined),
          90_000,
          () => proc.describe(60),
          500,
        );
        expect(meta.result).to.deep.include({ exc_type: 'DeliveryLimitExceeded' });
        const killed = proc.output.slice(from).match(/exited with 'signal 9 \(SIGKILL\)'/g) ?? [];
        expect(killed, proc.describe(60)).to.have.length(3);
        expect(proc.alive()).to.equal(true);
        expect(app.redis.cli('EXISTS', `celery-task-deliveries-${id}`)).to.equal('0');
      });

      it('the worker reads an upload that web saved (both mount the media volume at MEDIA_ROOT)', async function () {
        this.timeout(60_000);
        const media = (service: string) =>
          app.config.services[service].volumes?.find(volume => volume.source === 'media_volume')?.target;
        expect(media('web')).to.equal('/app/mediafiles');
        expect(media('celery_worker'), 'celery_worker mounts media_volume where web does').to.equal(media('web'));
        await ensureWorker();
        const saved = app.shell(
          'from django.core.files.base import ContentFile\nfrom django.core.files.storage import default_storage\nprint(default_storage.save("uploads/note.txt", ContentFile(b"an upload for a task")))',
        );
        const name = saved.trim().split('\n').pop()!.trim();
        const read = app.shell(
          `from polls.tasks import read_upload\nprint(read_upload.delay(${JSON.stringify(name)}).get(timeout=30))`,
        );
        expect(read.trim().split('\n').pop()).to.equal('an upload for a task');
      });

      it("Redis runs with the Compose command's settings: append-only, no RDB save points, a memory cap with noeviction", () => {
        const config = (name: string) => app.redis.cli('CONFIG', 'GET', name).split('\n')[1];
        expect(config('appendonly')).to.equal('yes');
        expect(config('appendfsync')).to.equal('everysec');
        expect(config('save'), 'no save point: a failed background save cannot stop writes').to.equal('');
        expect(Number(config('maxmemory'))).to.be.greaterThan(0);
        expect(config('maxmemory-policy')).to.equal('noeviction');
      });

      it("Redis's healthcheck passes on PONG and fails on an error reply (-LOADING), where a plain redis-cli ping exits 0", async () => {
        const test = app.config.services.redis.healthcheck?.test ?? [];
        expect(test[0]).to.equal('CMD-SHELL');
        // Asynchronously: the stand-in server below answers from this process.
        const check = async (port: number, command = test[1]) =>
          (
            await run('bash', ['-c', command.replaceAll('$$', '$').replaceAll('redis-cli', `redis-cli -p ${port}`)], {
              env: { PATH: HOST_PATH },
            })
          ).status;
        expect(await check(app.redis.port), 'against the running Redis').to.equal(0);
        const loading = createServer(socket => {
          socket.on('data', () => socket.write('-LOADING Redis is loading the dataset in memory\r\n'));
        });
        const port = await freePort();
        await new Promise<void>(resolve => loading.listen(port, '127.0.0.1', resolve));
        try {
          expect(await check(port, 'redis-cli ping'), 'a plain redis-cli ping, for comparison').to.equal(0);
          expect(await check(port), 'the healthcheck against a Redis that answers -LOADING').to.not.equal(0);
        } finally {
          loading.close();
        }
      });

      it('durability: a task queued while no worker runs survives Redis being killed (SIGKILL) and restarted on its data', async function () {
        this.timeout(120_000);
        await app.stopWorker();
        const id = app.sendDivide(1, 2);
        const queued = Number(app.redis.cli('LLEN', 'celery'));
        expect(queued, 'the task waits in the queue').to.be.at.least(1);
        await app.redis.proc!.kill();
        await app.redis.start();
        expect(Number(app.redis.cli('LLEN', 'celery')), 'the queue after the restart').to.equal(queued);
        await ensureWorker();
        expect(app.resultOf(id, 60)).to.equal(0.5);
      });
    }
  });
}
