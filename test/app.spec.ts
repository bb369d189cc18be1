import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { expectRejection, fixedSecrets, read, readTree, runApp, runGenerator } from './helpers.js';
import { CUSTOM_ANSWERS, HOSTILE_PASSWORD } from './fixtures.js';
import { LIMITS } from '../src/generators/lib/values/context.js';

const LOCAL_TREE = [
  '.dockerignore',
  '.env/.dev-sample',
  '.gitattributes',
  '.gitignore',
  '.yo-rc.json',
  'README.md',
  'compose/local/django/Dockerfile',
  'compose/local/django/celery/beat/start',
  'compose/local/django/celery/flower/start',
  'compose/local/django/celery/worker/start',
  'compose/local/django/entrypoint',
  'compose/local/django/start',
  'docker-compose.yml',
  'manage.py',
  'requirements.txt',
];

const SCRIPTS = [
  'compose/local/django/entrypoint',
  'compose/local/django/start',
  'compose/local/django/celery/worker/start',
  'compose/local/django/celery/beat/start',
  'compose/local/django/celery/flower/start',
];

/** The db service of docker-compose.yml and Django's env file hold these plain credentials, unquoted. */
function expectCredentials(
  project: string,
  { db, user, password }: { db: string; user: string; password: string },
): void {
  const compose = read(project, 'docker-compose.yml');
  const env = read(project, '.env/.dev-sample');
  expect(compose).to.contain(`POSTGRES_DB: '${db}'\n`);
  expect(compose).to.contain(`POSTGRES_USER: '${user}'\n`);
  expect(compose).to.contain(`POSTGRES_PASSWORD: '${password}'\n`);
  expect(env).to.contain(`\nSQL_DATABASE=${db}\n`);
  expect(env).to.contain(`\nSQL_USER=${user}\n`);
  expect(env).to.contain(`\nSQL_PASSWORD=${password}\n`);
}

describe('yo django-celery --defaults', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true }));
  });

  it("writes every file of the chapter's local tree into a folder named after the project", () => {
    expect(project.endsWith('django_celery_example')).to.equal(true);
    const files = [...readTree(project).keys()];
    expect(files).to.include.members(LOCAL_TREE);
    for (const module of ['__init__', 'asgi', 'celery', 'settings', 'urls', 'wsgi']) {
      expect(files).to.include(`django_celery_example/${module}.py`);
    }
    for (const module of ['__init__', 'admin', 'apps', 'migrations/__init__', 'models', 'tests', 'views']) {
      expect(files).to.include(`polls/${module}.py`);
    }
  });

  it('publishes the web server on 8010, Flower on 5557 and the mail catcher on 8025, on 127.0.0.1 only', () => {
    const compose = read(project, 'docker-compose.yml');
    expect(compose).to.contain('"127.0.0.1:8010:8000"');
    expect(compose).to.contain('"127.0.0.1:5557:5555"');
    expect(compose).to.contain('"127.0.0.1:8025:8025"');
  });

  it('documents the development loop in the README: admin, logs, mail, tests natively, stopping, a task result in Redis, your user', () => {
    const readme = read(project, 'README.md');
    for (const command of [
      'docker compose exec web python manage.py createsuperuser',
      'http://localhost:8010/admin/',
      'docker compose logs -f',
      'docker compose down\n',
      'docker compose down -v\n',
      'http://localhost:8025',
      'pip install -r requirements-dev.txt -c constraints.txt\npytest\npython manage.py test\n',
      'docker compose run --rm web pytest\n',
      'docker compose run --rm web ruff check .\n',
      'docker compose run --rm web ruff format --check .\n',
      'pre-commit install\n',
      'docker compose exec redis redis-cli get "celery-task-meta-$task_id"',
      'export HOST_UID=$(id -u) HOST_GID=$(id -g)',
      'published on 127.0.0.1 only',
    ]) {
      expect(readme, command).to.contain(command);
    }
  });

  it('runs the development worker and beat under watchfiles, restarting on Python files only', () => {
    const reload =
      'watchfiles --filter python --ignore-paths polls/migrations,mediafiles,staticfiles --target-type command';
    expect(read(project, 'compose/local/django/celery/worker/start')).to.contain(
      `exec ${reload} \\\n  --sigint-timeout "$((\${CELERY_TASK_TIME_LIMIT:-${LIMITS.development.taskTimeLimit}} + ${LIMITS.development.reloadMargin}))" \\\n  "celery -A django_celery_example worker --loglevel=INFO \\\n    --concurrency \${CELERY_WORKER_CONCURRENCY:-2} \\\n    --max-tasks-per-child \${CELERY_WORKER_MAX_TASKS_PER_CHILD:-100}"`,
    );
    expect(read(project, 'compose/local/django/celery/beat/start')).to.contain(
      `exec ${reload} \\\n  "celery -A django_celery_example beat --loglevel=INFO --scheduler=django_celery_example.beat:Scheduler \\\n    --schedule=/tmp/celerybeat-schedule"`,
    );
  });

  it('gives the db service the credentials the env file gives Django', () => {
    expectCredentials(project, { db: 'hello_django', user: 'hello_django', password: 'hello_django' });
  });

  it("writes every key of the chapter's env file", () => {
    const keys = read(project, '.env/.dev-sample')
      .split('\n')
      .filter(line => /^[A-Z_]+=/.test(line))
      .map(line => line.split('=')[0]);
    expect(keys).to.have.members([
      'DEBUG',
      'SECRET_KEY',
      'DJANGO_ALLOWED_HOSTS',
      'SQL_ENGINE',
      'SQL_DATABASE',
      'SQL_USER',
      'SQL_PASSWORD',
      'SQL_HOST',
      'SQL_PORT',
      'CELERY_BROKER',
      'CELERY_BACKEND',
      'CELERY_TASK_SOFT_TIME_LIMIT',
      'CELERY_TASK_TIME_LIMIT',
      'CELERY_VISIBILITY_TIMEOUT',
      'EMAIL_HOST',
      'EMAIL_PORT',
    ]);
  });

  it('gives development lower task limits and visibility timeout, still in order, and lets a reload wait past the time limit', () => {
    const env = read(project, '.env/.dev-sample');
    const setting = (name: string) => Number(new RegExp(`^${name}=(\\d+)$`, 'm').exec(env)![1]);
    const soft = setting('CELERY_TASK_SOFT_TIME_LIMIT');
    const hard = setting('CELERY_TASK_TIME_LIMIT');
    const visibility = setting('CELERY_VISIBILITY_TIMEOUT');
    expect([soft, hard, visibility]).to.deep.equal([
      LIMITS.development.taskSoftTimeLimit,
      LIMITS.development.taskTimeLimit,
      LIMITS.development.visibilityTimeout,
    ]);
    expect(soft).to.be.below(hard);
    expect(hard).to.be.below(visibility);
    // A killed task comes back within a minute: the visibility timeout, and the next worker's start.
    expect(visibility).to.be.at.most(45);
    const start = read(project, 'compose/local/django/celery/worker/start');
    const sigint = /--sigint-timeout "\$\(\(\$\{CELERY_TASK_TIME_LIMIT:-(\d+)\} \+ (\d+)\)\)"/.exec(start);
    expect(Number(sigint![1]), 'the start script falls back to the env file limit').to.equal(hard);
    // SIGKILL comes after the time limit, and after the visibility timeout: the next worker puts back at once what it killed.
    expect(hard + Number(sigint![2])).to.be.above(visibility);
  });

  it('uses no obsolete version key and waits for healthy Postgres and Redis', () => {
    const compose = read(project, 'docker-compose.yml');
    expect(compose).not.to.match(/^version:/m);
    expect(compose).to.contain('pg_isready');
    expect(compose).to.contain('"redis-cli ping | grep -qx PONG"');
    expect(compose.match(/condition: service_healthy/g)).to.have.length(2);
    expect(compose).not.to.contain('container_name');
  });

  it('execs the process in every start script and strips CR in the Dockerfile', () => {
    for (const script of SCRIPTS) {
      const text = read(project, script);
      expect(text, script).to.match(/^#!\/bin\/bash\n/);
      expect(text, script).to.match(/\nexec [^\n]+(\n {2}[^\n]+)*\n$/);
    }
    const dockerfile = read(project, 'compose/local/django/Dockerfile');
    for (const target of ['/entrypoint', '/start', '/start-celeryworker', '/start-celerybeat', '/start-flower']) {
      expect(dockerfile).to.contain(`sed -i 's/\\r$//g' ${target}`);
    }
    expect(read(project, '.gitattributes')).to.contain('eol=lf');
  });

  it('puts Celery options before the flower command and execs it at once, waiting for no worker', () => {
    const flower = read(project, 'compose/local/django/celery/flower/start');
    expect(flower).to.contain('exec celery -A django_celery_example --broker="${CELERY_BROKER}" flower');
    expect(flower).not.to.match(/^[^#]*(inspect ping|until |while |sleep )/m);
  });

  it('defines the divide task in celery.py and loads the app in __init__.py', () => {
    expect(read(project, 'django_celery_example/celery.py')).to.match(/@app\.task\ndef divide\(x, y\):/);
    expect(read(project, 'django_celery_example/__init__.py')).to.contain('from .celery import app as celery_app');
  });

  it("reads DATABASES and Celery from the environment, with the chapter's fallbacks", () => {
    const settings = read(project, 'django_celery_example/settings.py');
    expect(settings).to.contain('os.environ.get("SQL_ENGINE", "django.db.backends.sqlite3")');
    expect(settings).to.contain('CELERY_BROKER_URL = os.environ.get("CELERY_BROKER", "redis://127.0.0.1:6379/0")');
    expect(settings).to.contain('CELERY_RESULT_BACKEND = os.environ.get("CELERY_BACKEND", "redis://127.0.0.1:6379/0")');
  });

  it('pins the direct requirements at the versions the tiers run, Celery with its Redis extra', () => {
    expect(read(project, 'requirements.txt').replace(/^#.*\n/gm, '')).to.equal(
      'Django==5.2.18\ncelery[redis]==5.6.3\nflower==2.2.0\npsycopg[binary]==3.3.6\n',
    );
    expect(read(project, 'requirements-dev.txt').replace(/^#.*\n/gm, '')).to.equal(
      '-r requirements.txt\nwatchfiles==0.24.0\npytest==9.1.1\npytest-django==4.14.0\nruff==0.16.10\n',
    );
  });

  it('stores the answers, and no secret, in .yo-rc.json', () => {
    const stored = JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'];
    expect(stored).to.deep.equal({
      projectName: 'django_celery_example',
      webPort: 8010,
      flowerPort: 5557,
      mailPort: 8025,
      publishAll: false,
      // The containers' default user: root's run (as this tier's) takes 1000.
      hostUid: 1000,
      hostGid: 1000,
      postgresDb: 'hello_django',
      postgresUser: 'hello_django',
      postgresPassword: 'hello_django',
      prod: false,
      customUser: true,
      pythonVersion: '3.13',
      djangoVersion: '5.2',
      postgresVersion: '17',
      postgresVolumePerMajor: true,
      redisVersion: '7.4',
      beatScheduler: 'file',
    });
    expect(read(project, '.yo-rc.json')).not.to.contain(fixedSecrets('SECRET_KEY'));
  });
});

describe('yo django-celery --defaults --publish-all', () => {
  it('publishes the development ports on every interface, and says so in docker-compose.yml', async () => {
    const { project } = await runApp({ defaults: true, 'publish-all': true });
    const compose = read(project, 'docker-compose.yml');
    expect(compose).to.contain('- "8010:8000"');
    expect(compose).to.contain('- "5557:5555"');
    expect(compose).to.contain('- "8025:8025"');
    expect(compose).not.to.contain('127.0.0.1:');
    expect(compose).to.contain('Ports are published on every network interface');
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'].publishAll).to.equal(true);
  });
});

describe('yo django-celery with custom ports and credentials', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ ...CUSTOM_ANSWERS, prod: false }));
  });

  it('publishes the chosen ports', () => {
    const compose = read(project, 'docker-compose.yml');
    expect(compose).to.contain('"127.0.0.1:9000:8000"');
    expect(compose).to.contain('"127.0.0.1:9555:5555"');
    expect(compose).to.contain('"127.0.0.1:9025:8025"');
    expect(compose).not.to.contain('8010');
  });

  it('carries the same credentials to Postgres and to Django', () => {
    expectCredentials(project, { db: 'shop_db', user: 'shop_user', password: 'Sup3r-secret' });
  });

  it('names the package, settings and Celery app after the project', () => {
    expect(existsSync(join(project, 'shop', 'celery.py'))).to.equal(true);
    expect(read(project, 'manage.py')).to.contain('"shop.settings"');
    expect(read(project, 'compose/local/django/celery/worker/start')).to.contain(
      '"celery -A shop worker --loglevel=INFO',
    );
  });
});

describe('yo django-celery with a password holding $, #, quotes and spaces', () => {
  const password = HOSTILE_PASSWORD;
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, 'postgres-password': password }));
  });

  it('quotes it for the env file: backslash and quote escaped, dollar doubled', () => {
    expect(read(project, '.env/.dev-sample')).to.contain(
      `SQL_PASSWORD="Pa$$$$ w0rd \\"quoted\\" 'single' \\\\back\\\\slash $$HOME $$\{USER} #hash =eq \`tick\` ü€ %s :*"\n`,
    );
  });

  it('quotes it for the Compose file: single quotes doubled, dollar doubled', () => {
    expect(read(project, 'docker-compose.yml')).to.contain(
      `POSTGRES_PASSWORD: 'Pa$$$$ w0rd "quoted" ''single'' \\back\\slash $$HOME $$\{USER} #hash =eq \`tick\` ü€ %s :*'\n`,
    );
  });

  it('stores it as typed', () => {
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'].postgresPassword).to.equal(password);
  });
});

describe('SECRET_KEY', () => {
  it('is fresh and random for each project, and never stored in .yo-rc.json', async () => {
    const keys = [];
    for (let i = 0; i < 2; i++) {
      const result = await runGenerator('app').withOptions({ defaults: true });
      const project = join(result.cwd, 'django_celery_example');
      const key = /^SECRET_KEY=(.*)$/m.exec(read(project, '.env/.dev-sample'))?.[1];
      expect(key).to.match(/^[A-Za-z0-9_-]{64}$/);
      expect(read(project, '.yo-rc.json')).not.to.contain(String(key));
      keys.push(key);
    }
    expect(keys[0]).not.to.equal(keys[1]);
  });
});

describe('yo django-celery run again inside a generated project', () => {
  it('regenerates in place from the stored answers without asking, keeping the secret', async () => {
    const first = await runApp({ 'project-name': 'again', 'web-port': '9100', defaults: true });
    const before = readTree(first.project);
    const second = await runGenerator('app')
      .withOptions({ secretSource: () => 'a_new_secret_that_must_not_replace_the_old_one' })
      .cd(first.project);
    expect(second.askedQuestions).to.deep.equal([]);
    expect(readTree(first.project)).to.deep.equal(before);
    expect(existsSync(join(first.project, 'again', 'again'))).to.equal(false);
  });

  it('asks before overwriting a file the user changed', async () => {
    const first = await runApp({ defaults: true });
    writeFileSync(join(first.project, 'requirements.txt'), 'Django==5.2.17\nmy-own-package==1.0\n');
    // The test environment overwrites without asking unless told not to force.
    const second = await runGenerator('app', { force: false })
      .withOptions({ secretSource: fixedSecrets, force: false, interactive: true })
      .withAnswers({ action: 'skip' })
      .cd(first.project);
    expect(second.askedQuestions.map(asked => asked.name)).to.deep.equal(['action']);
    expect(read(first.project, 'requirements.txt')).to.contain('my-own-package');
  });

  it('applies a changed option to the files nobody edited, without asking, and stores it', async () => {
    const first = await runApp({ defaults: true });
    const second = await runGenerator('app', { force: false })
      .withOptions({ secretSource: fixedSecrets, 'flower-port': '6000', force: false })
      .cd(first.project);
    expect(second.askedQuestions).to.deep.equal([]);
    expect(read(first.project, 'docker-compose.yml')).to.contain('"127.0.0.1:6000:5555"');
    expect(JSON.parse(read(first.project, '.yo-rc.json'))['generator-django-celery'].flowerPort).to.equal(6000);
  });
});

describe('yo django-celery next to an existing folder of the same name', () => {
  it('refuses a folder that is not one of its projects, and leaves it alone', async () => {
    let folder = '';
    const run = runApp({ defaults: true }, {}, cwd => {
      folder = join(cwd, 'django_celery_example');
      mkdirSync(folder);
      writeFileSync(join(folder, 'notes.txt'), 'mine\n');
    });
    await expectRejection(run, /already exists and is not a project of this generator: choose another --project-name/);
    expect(readdirSync(folder)).to.deep.equal(['notes.txt']);
  });

  it('regenerates a folder that is one of its projects', async () => {
    const first = await runApp({ defaults: true, 'web-port': '9200' });
    const again = await runGenerator('app').withOptions({ secretSource: fixedSecrets, defaults: true }).cd(first.cwd);
    expect(again.askedQuestions).to.deep.equal([]);
    expect(read(first.project, 'docker-compose.yml')).to.contain('"127.0.0.1:9200:8000"');
  });
});
