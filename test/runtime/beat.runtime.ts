// Runtime tier, beat's database scheduler (--beat-scheduler database): the project's own
// beat start script runs the real django-celery-beat (Debian's build, through the lock),
// waits for the migrations it never applies, and sends a periodic task defined in the
// database, which the worker runs.
import { expect } from 'chai';
import { DEFAULT_PROJECT, projectHooks, RuntimeProject, type RuntimeScenario, TEST_SETTINGS } from './project.js';
import { type Proc, waitUntil } from './support.js';

const SCENARIO: RuntimeScenario = {
  title: "beat's database scheduler: Python 3.13, Django 5.2",
  options: { defaults: true, 'beat-scheduler': 'database' },
  expected: DEFAULT_PROJECT,
  lateDatabase: false,
};

describe(`The generated project run natively (${SCENARIO.title})`, function () {
  this.timeout(120_000);
  const app = new RuntimeProject({ options: SCENARIO.options, extraEnv: TEST_SETTINGS });
  let beat: Proc | undefined;

  projectHooks(app, SCENARIO, { port: 8000, who: "the web service's dev server" });

  it('the environment holds the real django-celery-beat, at its locked version', () => {
    const row = app.python.table.split('\n').find(line => /^\s*django-celery-beat\s/.test(line));
    expect(row, app.python.table).to.match(/django-celery-beat\s+2\.9\.0\s+2\.9\.0\s/);
  });

  it('beat: waits while the migrations are not applied, and never applies them itself', async () => {
    beat = app.startService('celery_beat');
    await beat.waitFor(/beat: waiting for the migrations to be applied/, 60_000);
    await waitUntil(
      'beat to wait for the migrations twice',
      () => beat!.count(/beat: waiting for the migrations/) >= 2,
      30_000,
      () => beat!.describe(),
    );
    expect(beat.exited, beat.describe()).to.equal(false);
    expect(app.pg.query(app.credentials, "SELECT to_regclass('django_celery_beat_periodictask') IS NULL")).to.equal(
      't',
    );
    expect(beat.output).to.not.match(/beat: Starting/);
  });

  it('beat: starts once migrate has run, with the database scheduler, which holds the heartbeat of CELERY_BEAT_SCHEDULE', async () => {
    const migrated = app.manage(['migrate', '--noinput']);
    expect(migrated.status, migrated.stderr).to.equal(0);
    await beat!.waitFor(/beat: Starting/, 60_000);
    await beat!.waitFor(/Sending due task heartbeat \(polls\.tasks\.heartbeat\)/, 30_000);
    // The project's scheduler (beat.py) records each tick: Compose's healthcheck of beat passes.
    const test = app.config.services.celery_beat.healthcheck?.test ?? [];
    expect(test[0], "beat's healthcheck runs without a shell").to.equal('CMD');
    const check = app.runInContainerOf(beat!, test.slice(1), 'celery_beat');
    expect(check.status, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.match(/beat last ticked \d+ s ago \(bound: 120 s/);
    expect(
      app.pg.query(app.credentials, "SELECT count(*) FROM django_celery_beat_periodictask WHERE name = 'heartbeat'"),
    ).to.equal('1');
  });

  it('a periodic task defined in the database, as the admin would, is sent by beat and run by the worker', async function () {
    this.timeout(180_000);
    const worker = await app.ensureWorker();
    const from = worker.output.length;
    app.shell(
      [
        'from django_celery_beat.models import IntervalSchedule, PeriodicTask',
        'every = IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS)',
        `PeriodicTask.objects.create(name="divide from the database", task="${DEFAULT_PROJECT.name}.celery.divide", args="[3, 4]", interval=every)`,
      ].join('\n'),
    );
    await beat!.waitFor(/Sending due task divide from the database \(\w+\.celery\.divide\)/, 60_000);
    const done = await worker.waitFor(
      /Task \w+\.celery\.divide\[([0-9a-f-]+)\] succeeded in [\d.]+s: 0\.75/,
      60_000,
      from,
      [beat!],
    );
    expect(app.redis.taskMeta(done[1])).to.include({ status: 'SUCCESS', result: 0.75 });
  });
});
