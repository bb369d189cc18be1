// Runtime tier, development stack: the generated project's own scripts (entrypoint,
// start, the Celery worker, beat and Flower start scripts) run in the Debian root of
// the image's Python against a real Postgres and Redis on loopback, with the environment
// Compose resolves for each service.
import { expect } from 'chai';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { celeryMain, celeryServiceChecks, TASK_SUCCEEDED } from './celery-checks.js';
import { nonSuperuserChecks } from './roles.js';
import { HOSTILE_PASSWORD, NEWEST_SHOP } from '../fixtures.js';
import { DEFAULT_PROJECT, projectHooks, RuntimeProject, type RuntimeScenario, TEST_SETTINGS } from './project.js';
import { childrenOf, httpGet, type Proc, selfAndDescendants, sleep, waitUntil } from './support.js';

/** The dev server's port: fixed in compose/local/django/start (as in its container). */
const DEV_SERVER_PORT = 8000;

/** Each scenario with the password its answers give the development database. */
const SCENARIOS: Array<RuntimeScenario & { expected: { password: string; publishAll: boolean } }> = [
  {
    title: 'default answers: Python 3.13, Django 5.2',
    options: { defaults: true },
    expected: { ...DEFAULT_PROJECT, password: 'hello_django', publishAll: false },
    lateDatabase: true,
  },
  {
    title: `Python 3.14, Django 6.1, Postgres 18, Redis 8.2, --publish-all, custom answers: user shop_user, database shop_db, password ${HOSTILE_PASSWORD}`,
    options: {
      defaults: true,
      ...NEWEST_SHOP,
      'postgres-password': HOSTILE_PASSWORD,
      'publish-all': true,
    },
    expected: { name: 'shop', db: 'shop_db', user: 'shop_user', password: HOSTILE_PASSWORD, publishAll: true },
    lateDatabase: false,
  },
];

const TASK_RECEIVED = (id: string) => new RegExp(`Task \\S+\\.divide\\[${id}\\] received`);
const WORKER_READY = /celery@\S+ ready\./;
/** How long to watch a worker that should not restart: past watchfiles' debounce (1.6 s) and its restart. */
const QUIET_MS = 6_000;

/** A task that sleeps, added to polls/tasks.py for the reload tests (and taken out after them). */
const NAP_TASK = '\n\n@shared_task\ndef nap(seconds):\n    time.sleep(seconds)\n    return seconds\n';
const NAP_RECEIVED = (id: string) => new RegExp(`Task polls\\.tasks\\.nap\\[${id}\\] received`);
const NAP_SUCCEEDED = (id: string) => new RegExp(`Task polls\\.tasks\\.nap\\[${id}\\] succeeded in [\\d.]+s: \\d+`);

/**
 * Runs `body` with the development worker (its start script under watchfiles) as
 * .env/.dev-sample sets it up, its visibility timeout included (not the run's 5 s), and
 * polls/tasks.py holding nap(): the file is changed only while no worker watches it.
 */
async function withNappingDevWorker(
  app: RuntimeProject,
  body: (proc: Proc, nap: (s: number) => string) => Promise<void>,
) {
  await app.stopWorker();
  const tasks = join(app.project, 'polls/tasks.py');
  const original = readFileSync(tasks, 'utf8');
  const visibility = /^CELERY_VISIBILITY_TIMEOUT=(\d+)$/m.exec(
    readFileSync(join(app.project, '.env/.dev-sample'), 'utf8'),
  );
  expect(visibility, 'CELERY_VISIBILITY_TIMEOUT in .env/.dev-sample').to.not.equal(null);
  writeFileSync(tasks, original + NAP_TASK);
  const proc = app.startService('celery_worker', 'celery_worker (development visibility timeout)', {
    CELERY_VISIBILITY_TIMEOUT: visibility![1],
  });
  try {
    await proc.waitFor(WORKER_READY, 60_000);
    const nap = (seconds: number) =>
      app.shell(`from polls.tasks import nap\nprint(nap.delay(${seconds}).id)`).trim().split('\n').pop()!.trim();
    await body(proc, nap);
  } finally {
    await proc.stop();
    writeFileSync(tasks, original);
  }
}

const read = (app: RuntimeProject, path: string) => readFileSync(join(app.project, path), 'utf8');

/** Sends divide(1, 2) to the worker and waits until it runs, inside divide's five-second sleep. */
async function divideRunning(app: RuntimeProject): Promise<{ proc: Proc; from: number; id: string }> {
  const proc = await app.ensureWorker();
  const from = proc.output.length;
  const id = app.sendDivide(1, 2);
  await proc.waitFor(TASK_RECEIVED(id), 30_000, from);
  await sleep(1_500);
  return { proc, from, id };
}

for (const scenario of SCENARIOS) {
  describe(`The generated project run natively (${scenario.title})`, function () {
    this.timeout(90_000);
    const app = new RuntimeProject({ options: scenario.options, extraEnv: TEST_SETTINGS });
    let web: Proc | undefined;

    projectHooks(app, scenario, {
      port: DEV_SERVER_PORT,
      who: 'the dev server (`runserver 0.0.0.0:8000` in compose/local/django/start)',
    });

    it("gives web, worker, beat and Flower the same env file values, equal to the db service's POSTGRES_* and to the answers", () => {
      const { db, user, password } = scenario.expected;
      expect(app.credentials).to.deep.equal({ db, user, password });
      for (const service of ['web', 'celery_worker', 'celery_beat', 'flower']) {
        const env = app.env(service);
        expect(env.SQL_DATABASE, service).to.equal(db);
        expect(env.SQL_USER, service).to.equal(user);
        expect(env.SQL_PASSWORD, service).to.equal(password);
        expect(env.SQL_ENGINE, service).to.equal('django.db.backends.postgresql');
      }
    });

    if (scenario.lateDatabase) {
      it('entrypoint: waits while Postgres is down, and goes on once it is up', async function () {
        this.timeout(120_000);
        web = app.startService('web');
        await waitUntil(
          'the entrypoint to report waiting three times',
          () => web!.count(/Waiting for PostgreSQL/) >= 3,
          30_000,
          () => web!.describe(),
        );
        expect(web.exited, 'the entrypoint gave up while Postgres was down').to.equal(false);
        expect(web.output).not.to.match(/PostgreSQL is available|Applying|Operations to perform/);
        const waitsBefore = web.count(/Waiting for PostgreSQL/);
        await app.startDatabase();
        await web.waitFor(/PostgreSQL is available/, 30_000);
        expect(web.count(/Waiting for PostgreSQL/)).to.be.at.least(waitsBefore);
      });
    } else {
      it('entrypoint: goes straight on when Postgres is already up (with this password)', async () => {
        web = app.startService('web');
        await web.waitFor(/PostgreSQL is available/, 30_000);
        expect(web.output).not.to.contain('Waiting for PostgreSQL');
      });
    }

    it('start: applies the migrations, as the project role with its password', async function () {
      this.timeout(120_000);
      await web!.waitFor(/Applying auth\.0001_initial\.\.\. OK/, 90_000);
      // Django 6.1 says "Starting WSGI development server".
      await web!.waitFor(/Starting (WSGI )?development server at http:\/\/0\.0\.0\.0:8000\//, 60_000);
      expect(app.manage(['migrate', '--check']).status, 'migrate --check: unapplied migrations remain').to.equal(0);
      expect(Number(app.pg.query(app.credentials, 'SELECT count(*) FROM django_migrations'))).to.be.greaterThan(10);
    });

    it('start: the dev server answers on port 8000 with the polls page naming the project, which says no worker answered (none runs yet)', async () => {
      const page = await waitUntil(
        'the dev server to answer',
        () => httpGet(DEV_SERVER_PORT, '/', { Host: '127.0.0.1' }).catch(() => undefined),
        30_000,
        () => web!.describe(),
      );
      expect(page.status, page.body.slice(0, 500)).to.equal(200);
      expect(page.body).to.contain(`<h1>${scenario.expected.name}</h1>`);
      expect(page.body).to.contain('No Celery worker answered');
      expect(page.body).not.to.contain('A Celery worker answered');
    });

    // Only the Host header names another machine: the request itself goes to loopback.
    const lan = '192.168.1.20:8000';
    it(
      scenario.expected.publishAll
        ? `--publish-all: a request for another host (${lan}, a phone on the network) gets the page`
        : `without --publish-all: a request for another host (${lan}) is refused (400), only this machine's names are allowed`,
      async () => {
        const page = await httpGet(DEV_SERVER_PORT, '/', { Host: lan });
        expect(page.status, page.body.slice(0, 300)).to.equal(scenario.expected.publishAll ? 200 : 400);
        if (scenario.expected.publishAll) expect(page.body).to.contain(`<h1>${scenario.expected.name}</h1>`);
        else expect(page.body).to.match(/Invalid HTTP_HOST header|Bad Request/);
      },
    );

    celeryServiceChecks(app);
    nonSuperuserChecks(app);

    it('the polls page says a Celery worker answered once one runs', async () => {
      await app.ensureWorker();
      // The page keeps its last answer a few seconds (polls/views.py, CACHE_SECONDS).
      const page = await waitUntil(
        'the page to see the worker',
        async () => {
          const got = await httpGet(DEV_SERVER_PORT, '/', { Host: '127.0.0.1' });
          return got.body.includes('A Celery worker answered.') ? got : undefined;
        },
        15_000,
        () => '',
        500,
      );
      expect(page.status, page.body.slice(0, 500)).to.equal(200);
    });

    it('mail: send_welcome_mail, run by the worker, delivers to a real SMTP server on loopback, which receives its subject and recipient', async () => {
      await app.ensureWorker();
      await app.smtp.start();
      const out = app.shell(
        'from polls.tasks import send_welcome_mail\nprint(send_welcome_mail.delay("ada@example.com").id)',
      );
      const id = out.trim().split('\n').pop()!.trim();
      expect(app.resultOf(id, 30), 'mails sent').to.equal(1);
      const received = await app.smtp.proc!.waitFor(/received mail from=(\S*) to=(\S+) subject=(.*)/, 15_000);
      expect(received[2]).to.equal('ada@example.com');
      expect(received[3]).to.equal(`Welcome to ${scenario.expected.name}`);
    });

    it("README: the mail catcher's command sends a mail from a task, which reaches the SMTP server", async () => {
      await app.ensureWorker();
      if (!app.smtp.proc?.alive()) await app.smtp.start();
      const from = app.smtp.proc!.output.length;
      app.runReadme(app.readmeBlock(/send_welcome_mail/));
      const received = await app.smtp.proc!.waitFor(/received mail from=\S* to=(\S+) subject=(.*)/, 30_000, from);
      expect(received[1]).to.equal('you@example.com');
    });

    it("README: the commands that read a task's id and its celery-task-meta-<id> in Redis print its id and SUCCESS with 0.5", async function () {
      this.timeout(90_000);
      await app.ensureWorker();
      const out = app
        .runReadme(app.readmeBlock(/celery-task-meta-\$task_id/))
        .trim()
        .split('\n');
      const id = out[0].trim();
      expect(id).to.match(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(out[out.length - 1])).to.include({ status: 'SUCCESS', result: 0.5, task_id: id });
    });

    it("the project's tests pass inside the stack (docker compose run web python manage.py test)", async function () {
      this.timeout(180_000);
      const tests = await app.runInService('web', ['python', 'manage.py', 'test', '--noinput'], 150_000);
      expect(tests.exitCode, tests.describe()).to.equal(0);
      expect(tests.output).to.match(/^OK$/m);
    });

    it('survives a Redis restart: the worker reconnects and the next task still succeeds', async function () {
      this.timeout(120_000);
      const proc = await app.ensureWorker();
      const from = proc.output.length;
      await app.redis.restart();
      await proc.waitFor(/Connection to broker lost/, 30_000, from);
      await proc.waitFor(/Connected to redis:\/\/127\.0\.0\.1/, 60_000, from);
      const id = app.sendDivide(3, 4);
      expect(app.resultOf(id, 60)).to.equal(0.75);
      expect(app.redis.taskMeta(id)).to.include({ status: 'SUCCESS', result: 0.75 });
    });

    it('at-least-once: a task whose pool processes are killed mid-run is redelivered at once and succeeds', async function () {
      this.timeout(120_000);
      const { proc, from, id } = await divideRunning(app);
      const pool = childrenOf(celeryMain(proc));
      expect(pool, 'the worker has pool processes').to.not.be.empty;
      for (const pid of pool) process.kill(pid, 'SIGKILL');
      // The worker saw the job's process die (it was running it), and put the task back.
      await proc.waitFor(/WorkerLostError\('Worker exited prematurely: signal 9 \(SIGKILL\)/, 15_000, from);
      await waitUntil(
        'the task to be received again',
        () => proc.count(TASK_RECEIVED(id)) >= 2,
        30_000,
        () => proc.describe(),
      );
      expect(app.resultOf(id, 60)).to.equal(0.5);
      expect(app.redis.taskMeta(id)).to.include({ status: 'SUCCESS', result: 0.5 });
    });

    it('at-least-once: a task whose whole worker is killed mid-run completes with SUCCESS after the worker restarts (visibility timeout 5 s)', async function () {
      this.timeout(150_000);
      const { proc: first, id } = await divideRunning(app);
      await first.kill();
      // Nothing finished it: no result, the message waits unacknowledged in Redis.
      await sleep(6_000); // past the visibility timeout (CELERY_VISIBILITY_TIMEOUT=5)
      expect(app.redis.taskMeta(id)).to.equal(undefined);
      expect(first.output).not.to.match(TASK_SUCCEEDED(id));
      const worker = await app.startWorker('celery_worker (restarted)');
      await worker.waitFor(TASK_RECEIVED(id), 60_000);
      expect(app.resultOf(id, 60)).to.equal(0.5);
      await worker.waitFor(TASK_SUCCEEDED(id), 10_000);
      expect(app.redis.taskMeta(id)).to.include({ status: 'SUCCESS', result: 0.5, task_id: id });
    });

    it('reload: writes that are not code (an upload under mediafiles, __pycache__, a migration being written) restart nothing: the worker keeps its pid', async function () {
      this.timeout(60_000);
      const proc = await app.ensureWorker();
      const main = celeryMain(proc);
      const from = proc.output.length;
      const writes = {
        'mediafiles/uploads/photo.jpg': 'not a photo',
        'mediafiles/uploads/script.py': 'print("an upload, not code")\n',
        'polls/__pycache__/tasks.cpython-313.pyc': 'bytecode',
        'polls/migrations/0099_draft.py': '# a migration being written\n',
      };
      try {
        for (const [path, content] of Object.entries(writes)) {
          mkdirSync(join(app.project, path, '..'), { recursive: true });
          writeFileSync(join(app.project, path), content);
        }
        await sleep(QUIET_MS);
        expect(proc.output.slice(from), 'watchfiles saw a change').not.to.match(/change(s)? detected|Restarting/i);
        expect(proc.output.slice(from)).not.to.match(WORKER_READY);
        expect(celeryMain(proc), "the worker's pid").to.equal(main);
      } finally {
        rmSync(join(app.project, 'polls/migrations/0099_draft.py'), { force: true });
      }
    });

    it('reload: an edit to what a task returns reaches the running worker, with nobody restarting it', async function () {
      this.timeout(120_000);
      const proc = await app.ensureWorker();
      const main = celeryMain(proc);
      const source = join(app.project, scenario.expected.name, 'celery.py');
      const original = readFileSync(source, 'utf8');
      expect(original).to.contain('    return x / y\n');
      const from = proc.output.length;
      writeFileSync(source, original.replace('    return x / y\n', '    return x / y * 100\n'));
      await proc.waitFor(WORKER_READY, 60_000, from);
      expect(celeryMain(proc), 'a new worker process').to.not.equal(main);
      const id = app.sendDivide(1, 2);
      expect(app.resultOf(id, 60)).to.equal(50);
      expect(proc.exited, 'the process the test started is still the one running').to.equal(false);
    });

    it('reload: a code edit while a 10 s task runs lets the task finish in the worker running it (no SIGKILL), then the new worker starts', async function () {
      this.timeout(150_000);
      await withNappingDevWorker(app, async (proc, nap) => {
        const main = celeryMain(proc);
        const from = proc.output.length;
        const id = nap(10);
        await proc.waitFor(NAP_RECEIVED(id), 30_000, from);
        await sleep(1_000);
        const edited = Date.now();
        appendFileSync(join(app.project, 'polls/tasks.py'), '# edited while nap(10) runs\n');
        const done = await proc.waitFor(NAP_SUCCEEDED(id), 60_000, from);
        expect(done[0]).to.match(/: 10$/);
        await proc.waitFor(WORKER_READY, 60_000, from);
        expect(Date.now() - edited, 'ms from the edit to the new worker').to.be.below(60_000);
        const after = proc.output.slice(from);
        expect(after, 'watchfiles restarted the worker').to.match(/change(s)? detected/i);
        expect(after, 'watchfiles killed the worker').not.to.match(/sending SIGKILL|SIGINT timed out/);
        expect(proc.count(NAP_RECEIVED(id)), 'deliveries of nap(10)').to.equal(1);
        expect(after.indexOf(done[0]), 'the task ended before the new worker was ready').to.be.below(
          after.search(WORKER_READY),
        );
        expect(celeryMain(proc), 'a new worker process').to.not.equal(main);
        expect(app.resultOf(id, 10)).to.equal(10);
      });
    });

    it('reload: a task killed with its worker (as a SIGKILL after the SIGINT timeout does) is past the development visibility timeout when the next worker starts, which runs it again at once', async function () {
      this.timeout(150_000);
      await withNappingDevWorker(app, async (proc, nap) => {
        const from = proc.output.length;
        const id = nap(3);
        await proc.waitFor(NAP_RECEIVED(id), 30_000, from);
        const delivered = Date.now();
        await sleep(1_000);
        for (const pid of selfAndDescendants(celeryMain(proc))) process.kill(pid, 'SIGKILL');
        // watchfiles sends SIGKILL only after --sigint-timeout, longer than the visibility timeout.
        const env = read(app, '.env/.dev-sample');
        const setting = (name: string) => Number(new RegExp(`^${name}=(\\d+)$`, 'm').exec(env)![1]);
        const start = read(app, 'compose/local/django/celery/worker/start');
        const margin = Number(
          /--sigint-timeout "\$\(\(\$\{CELERY_TASK_TIME_LIMIT:-\d+\} \+ (\d+)\)\)"/.exec(start)![1],
        );
        const visibility = setting('CELERY_VISIBILITY_TIMEOUT');
        const sigint = setting('CELERY_TASK_TIME_LIMIT') + margin;
        expect(sigint, 'the SIGINT timeout').to.be.above(visibility);
        await sleep(Math.max(0, delivered + sigint * 1000 - Date.now()));
        appendFileSync(join(app.project, 'polls/tasks.py'), '# edited after the worker died\n');
        await proc.waitFor(WORKER_READY, 60_000, from);
        const ready = Date.now();
        await waitUntil(
          'nap(3) to be delivered again',
          () => proc.count(NAP_RECEIVED(id)) >= 2,
          20_000,
          () => proc.describe(),
          200,
        );
        expect(Date.now() - ready, 'ms from the new worker to the second delivery').to.be.below(10_000);
        expect(Date.now() - delivered, 'ms from the first delivery to the second').to.be.below(60_000);
        await proc.waitFor(NAP_SUCCEEDED(id), 30_000, from);
        expect(app.resultOf(id, 10)).to.equal(3);
      });
    });
  });
}
