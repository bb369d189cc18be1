// Beat's scheduler: Celery's own schedule file by default, or django-celery-beat's
// database scheduler (--beat-scheduler database), on the Django lines it supports.
import { expect } from 'chai';
import { expectRejection, fixedSecrets, read, readTree, runApp, runGenerator } from './helpers.js';

const BEAT_START = ['compose/local/django/celery/beat/start', 'compose/production/django/celery/beat/start'];

describe('yo django-celery --beat-scheduler database', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, prod: true, 'beat-scheduler': 'database' }));
  });

  it('installs django-celery-beat, pinned, with its closure in the lock of its own', () => {
    expect(read(project, 'requirements.txt')).to.match(/^django-celery-beat==2\.9\.0$/m);
    const constraints = read(project, 'constraints.txt');
    for (const name of [
      'django-celery-beat==2.9.0',
      'django-timezone-field==',
      'python-crontab==',
      'cron-descriptor==',
    ])
      expect(constraints).to.contain(`\n${name}`);
    expect(read(project, 'requirements-prod.txt')).to.match(/^-r requirements\.txt$/m);
  });

  it('adds its app, whose models the admin edits', () => {
    expect(read(project, 'django_celery_example/settings.py')).to.match(
      /INSTALLED_APPS = \[[^\]]*"django_celery_beat",[^\]]*\]/,
    );
  });

  for (const file of BEAT_START) {
    it(`runs beat with the database scheduler, waiting for migrations it never applies itself (${file})`, () => {
      const script = read(project, file);
      // The project's scheduler (beat.py): django-celery-beat's, recording each tick for the healthcheck.
      expect(script).to.contain('--scheduler=django_celery_example.beat:Scheduler');
      expect(read(project, 'django_celery_example/beat.py')).to.contain(
        'from django_celery_beat.schedulers import DatabaseScheduler\n',
      );
      expect(script).to.not.contain('--schedule=');
      const wait = script.indexOf('until python manage.py migrate --check');
      expect(wait, 'beat waits for `migrate --check` to pass').to.be.greaterThan(0);
      expect(wait).to.be.lessThan(script.indexOf('exec '));
      const runs = script.split('\n').filter(line => !/^\s*(#|echo )/.test(line));
      expect(runs.filter(line => /manage\.py migrate(?! --check)/.test(line))).to.deep.equal([]);
    });
  }

  it('says in the README where the schedules are edited, and that beat waits for migrate', () => {
    const readme = read(project, 'README.md');
    expect(readme).to.contain('"Periodic tasks"');
    expect(readme).to.contain('it never runs migrations itself');
    expect(readme).to.not.contain("Beat keeps its schedule file in the container's `/tmp`");
  });

  it('run again, changes nothing and keeps the scheduler', async () => {
    const before = readTree(project);
    await runGenerator('app').withOptions({ secretSource: fixedSecrets }).cd(project);
    expect(readTree(project)).to.deep.equal(before);
  });

  it('stores the answer', () => {
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'].beatScheduler).to.equal('database');
  });
});

describe('yo django-celery with the file scheduler (the default)', () => {
  it("keeps beat's schedule in a file, without django-celery-beat", async () => {
    const { project } = await runApp({ defaults: true });
    expect(read(project, 'requirements.txt')).to.not.contain('django-celery-beat');
    expect(read(project, 'constraints.txt')).to.not.contain('django-celery-beat');
    expect(read(project, 'django_celery_example/settings.py')).to.not.contain('django_celery_beat');
    expect(read(project, BEAT_START[0])).to.contain('--schedule=/tmp/celerybeat-schedule');
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'].beatScheduler).to.equal('file');
  });
});

describe('the database scheduler on a Django line django-celery-beat does not support', () => {
  const WHY =
    /the database scheduler needs django-celery-beat, and django-celery-beat 2\.9\.0, its newest release, requires Django < 6\.1: choose --django-version 5\.2, or the file scheduler \(--beat-scheduler file\), until a release supports Django 6\.1\./;

  it('is refused for a new project, saying why', async () => {
    await expectRejection(
      runApp({ defaults: true, 'django-version': '6.1', 'beat-scheduler': 'database' }),
      new RegExp(`^--beat-scheduler: ${WHY.source}`),
    );
  });

  it('is refused when a project with it moves to Django 6.1', async () => {
    const { project } = await runApp({ defaults: true, 'beat-scheduler': 'database' });
    await expectRejection(
      runGenerator('app').withOptions({ secretSource: fixedSecrets, 'django-version': '6.1' }).cd(project),
      new RegExp(`^The stored answer "beatScheduler" in \\.yo-rc\\.json: ${WHY.source}`),
    );
  });

  it('names only Django lines on which the database scheduler is accepted', async () => {
    const error = await runApp({ defaults: true, 'django-version': '6.1', 'beat-scheduler': 'database' }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    const named = [...String(error).matchAll(/--django-version (\S+?)[,.]?(?= |$)/g)].map(match => match[1]);
    expect(named).to.not.be.empty;
    for (const line of named) {
      const { project } = await runApp({ defaults: true, 'django-version': line, 'beat-scheduler': 'database' });
      expect(JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'].djangoVersion).to.equal(line);
    }
  });

  it('refuses a scheduler it does not know, naming both', async () => {
    await expectRejection(
      runApp({ defaults: true, 'beat-scheduler': 'redis' }),
      /--beat-scheduler: "redis" is not a beat scheduler this generator supports: choose one of file, database\./,
    );
  });
});
