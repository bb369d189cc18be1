import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { expectRejection, fixedSecrets, matchSnapshot, readTree, runApp, runGenerator, treeText } from './helpers.js';

const read = (folder: string, path: string) => readFileSync(join(folder, path), 'utf8');

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

describe('yo django-celery --defaults', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true }));
  });

  it('writes the whole local tree as reviewed', () => {
    matchSnapshot('app-defaults', treeText(project));
  });

  it('writes every file of the chapter\'s local tree into a folder named after the project', () => {
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

  it('publishes the web server on 8010 and Flower on 5557', () => {
    const compose = read(project, 'docker-compose.yml');
    expect(compose).to.contain('"8010:8000"');
    expect(compose).to.contain('"5557:5555"');
  });

  it('gives the db service the credentials the env file gives Django', () => {
    const compose = read(project, 'docker-compose.yml');
    const env = read(project, '.env/.dev-sample');
    expect(compose).to.contain("POSTGRES_DB: 'hello_django'");
    expect(compose).to.contain("POSTGRES_USER: 'hello_django'");
    expect(compose).to.contain("POSTGRES_PASSWORD: 'hello_django'");
    expect(env).to.match(/^SQL_DATABASE=hello_django$/m);
    expect(env).to.match(/^SQL_USER=hello_django$/m);
    expect(env).to.match(/^SQL_PASSWORD=hello_django$/m);
  });

  it('writes every key of the chapter\'s env file', () => {
    const keys = read(project, '.env/.dev-sample')
      .split('\n')
      .filter(line => /^[A-Z_]+=/.test(line))
      .map(line => line.split('=')[0]);
    expect(keys).to.have.members([
      'DEBUG', 'SECRET_KEY', 'DJANGO_ALLOWED_HOSTS', 'SQL_ENGINE', 'SQL_DATABASE', 'SQL_USER',
      'SQL_PASSWORD', 'SQL_HOST', 'SQL_PORT', 'CELERY_BROKER', 'CELERY_BACKEND',
    ]);
  });

  it('uses no obsolete version key and waits for healthy Postgres and Redis', () => {
    const compose = read(project, 'docker-compose.yml');
    expect(compose).not.to.match(/^version:/m);
    expect(compose).to.contain('pg_isready');
    expect(compose).to.contain('"redis-cli", "ping"');
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

  it('puts Celery options before the flower command and waits for a worker', () => {
    const flower = read(project, 'compose/local/django/celery/flower/start');
    expect(flower).to.contain('exec celery -A django_celery_example --broker="${CELERY_BROKER}" flower');
    expect(flower).to.contain('inspect ping');
  });

  it('defines the divide task in celery.py and loads the app in __init__.py', () => {
    expect(read(project, 'django_celery_example/celery.py')).to.match(/@app\.task\ndef divide\(x, y\):/);
    expect(read(project, 'django_celery_example/__init__.py')).to.contain('from .celery import app as celery_app');
  });

  it('reads DATABASES and Celery from the environment, with the chapter\'s fallbacks', () => {
    const settings = read(project, 'django_celery_example/settings.py');
    expect(settings).to.contain('os.environ.get("SQL_ENGINE", "django.db.backends.sqlite3")');
    expect(settings).to.contain('CELERY_BROKER_URL = os.environ.get("CELERY_BROKER", "redis://127.0.0.1:6379/0")');
    expect(settings).to.contain('CELERY_RESULT_BACKEND = os.environ.get("CELERY_BACKEND", "redis://127.0.0.1:6379/0")');
  });

  it('pins versions that exist upstream', () => {
    expect(read(project, 'requirements.txt')).to.equal(
      'Django==5.2.17\ncelery==5.7.0\nredis==6.4.0\nflower==2.2.0\npsycopg[binary]==3.3.9\n',
    );
  });

  it('stores the answers, and no secret, in .yo-rc.json', () => {
    const stored = JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'];
    expect(stored).to.deep.equal({
      projectName: 'django_celery_example',
      webPort: 8010,
      flowerPort: 5557,
      postgresDb: 'hello_django',
      postgresUser: 'hello_django',
      postgresPassword: 'hello_django',
      prod: false,
      pythonVersion: '3.13',
      djangoVersion: '5.2',
      postgresVersion: '17',
      redisVersion: '7.4',
    });
    expect(read(project, '.yo-rc.json')).not.to.contain(fixedSecrets('SECRET_KEY'));
  });
});

describe('yo django-celery with custom ports and credentials', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({
      'project-name': 'shop',
      'web-port': '9000',
      'flower-port': '9555',
      'postgres-db': 'shop_db',
      'postgres-user': 'shop_user',
      'postgres-password': 'Sup3r-secret',
      prod: false,
    }));
  });

  it('writes the whole tree as reviewed', () => {
    matchSnapshot('app-custom', treeText(project));
  });

  it('publishes the chosen ports', () => {
    const compose = read(project, 'docker-compose.yml');
    expect(compose).to.contain('"9000:8000"');
    expect(compose).to.contain('"9555:5555"');
    expect(compose).not.to.contain('8010');
  });

  it('carries the same credentials to Postgres and to Django', () => {
    const compose = read(project, 'docker-compose.yml');
    const env = read(project, '.env/.dev-sample');
    expect(compose).to.contain("POSTGRES_DB: 'shop_db'");
    expect(compose).to.contain("POSTGRES_USER: 'shop_user'");
    expect(compose).to.contain("POSTGRES_PASSWORD: 'Sup3r-secret'");
    expect(env).to.contain('SQL_DATABASE=shop_db\n');
    expect(env).to.contain('SQL_USER=shop_user\n');
    expect(env).to.contain('SQL_PASSWORD=Sup3r-secret\n');
  });

  it('names the package, settings and Celery app after the project', () => {
    expect(existsSync(join(project, 'shop', 'celery.py'))).to.equal(true);
    expect(read(project, 'manage.py')).to.contain('"shop.settings"');
    expect(read(project, 'compose/local/django/celery/worker/start')).to.contain('exec celery -A shop worker');
  });
});

describe('yo django-celery with a password holding $, #, quotes and spaces', () => {
  const password = `p@ss $HOME #1 'quoted' "double" \\back`;
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, 'postgres-password': password }));
  });

  it('writes the whole tree as reviewed', () => {
    matchSnapshot('app-hostile-password', treeText(project));
  });

  it('quotes it for the env file: backslash and quote escaped, dollar doubled', () => {
    expect(read(project, '.env/.dev-sample')).to.contain(
      `SQL_PASSWORD="p@ss $$HOME #1 'quoted' \\"double\\" \\\\back"\n`,
    );
  });

  it('quotes it for the Compose file: single quotes doubled, dollar doubled', () => {
    expect(read(project, 'docker-compose.yml')).to.contain(
      `POSTGRES_PASSWORD: 'p@ss $$HOME #1 ''quoted'' "double" \\back'\n`,
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
    expect(read(first.project, 'docker-compose.yml')).to.contain('"6000:5555"');
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
    expect(read(first.project, 'docker-compose.yml')).to.contain('"9200:8000"');
  });
});
