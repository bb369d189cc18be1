import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { LIMITS } from '../src/generators/lib/values/context.js';
import { readLock } from '../src/generators/lib/values/locks.js';
import { envValue } from '../src/generators/lib/values/quoting.js';
import { PACKAGE_PINS } from '../src/generators/lib/values/versions.js';
import {
  expectRejection,
  fixedSecrets,
  promptVerdicts,
  read,
  readTree,
  expectRefusedUnchanged,
  runApp,
  runGenerator,
  runProd,
} from './helpers.js';
import { CUSTOM_ANSWERS, CUSTOM_PROD, PROD_FILES } from './fixtures.js';
import { DockerIgnore } from './support/dockerignore.js';
import { runSync } from './support/run.js';

/** What holds the production secrets. */
const SECRET_FILES = ['.env/.prod', '.env/.prod.db'];

/** The lines of a top-level YAML key (`services`, `x-django`) or of a service, without their header. */
function yamlBlock(text: string, key: string, indent = ''): string {
  const lines = text.split('\n');
  const start = lines.findIndex(line => line === `${indent}${key}:` || line.startsWith(`${indent}${key}: `));
  expect(start, `${key} in the Compose file`).to.be.at.least(0);
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== '' && !line.startsWith(`${indent}  `)) break;
    block.push(line);
  }
  return block.join('\n').trimEnd();
}

const service = (compose: string, name: string) => yamlBlock(yamlBlock(compose, 'services'), name, '  ');

/** The env file's `KEY=value` lines, as written. */
function envLines(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .filter(line => /^[A-Z_]+=/.test(line))
      .map(line => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The requirement lines of a requirements file (comments and blank lines dropped). */
function requirementLines(text: string): string[] {
  return text.split('\n').filter(line => line.trim() !== '' && !line.startsWith('#'));
}

const SCRIPTS = PROD_FILES.filter(file => /(entrypoint|start)$/.test(file));

const CUSTOM_APP = { ...CUSTOM_ANSWERS, 'postgres-version': '18' };

describe('yo django-celery --defaults --prod', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp({ defaults: true, prod: true }));
  });

  it("writes every production file of the chapter's tree, and the production env files", () => {
    expect([...readTree(project).keys()]).to.include.members(PROD_FILES);
  });

  it('builds wheels in a builder stage and installs them in a slim stage without build tools', () => {
    const dockerfile = read(project, 'compose/production/django/Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages).to.have.length(2);
    expect(stages[0]).to.match(/^python:3\.13-slim-trixie AS builder\n/);
    expect(stages[0]).to.contain('build-essential libpq-dev');
    expect(stages[0]).to.contain('COPY ./requirements.txt ./requirements-prod.txt ./constraints.txt /\n');
    expect(stages[0]).to.contain(
      'pip wheel --no-cache-dir --wheel-dir /wheels -r /requirements-prod.txt -c /constraints.txt',
    );
    expect(stages[1]).to.match(/^python:3\.13-slim-trixie\n/);
    expect(stages[1]).not.to.match(/build-essential|libpq-dev|gcc/);
    expect(stages[1]).to.contain('apt-get install -y --no-install-recommends libpq5 \\');
    expect(stages[1]).to.contain('--mount=type=bind,from=builder,source=/wheels,target=/wheels');
    expect(stages[1]).to.contain('COPY ./requirements.txt ./requirements-prod.txt ./constraints.txt /\n');
    expect(stages[1]).to.contain(
      'pip install --no-cache-dir --no-index --find-links=/wheels -r /requirements-prod.txt -c /constraints.txt',
    );
  });

  it('runs as a non-root user that owns the code, static files and uploads', () => {
    const dockerfile = read(project, 'compose/production/django/Dockerfile');
    expect(dockerfile).to.contain('useradd --system --uid 999 --gid django');
    expect(dockerfile).to.contain('chown django:django /app /app/staticfiles /app/mediafiles');
    expect(dockerfile).to.contain('COPY --chown=django:django . /app');
    const users = dockerfile.match(/^USER .+$/gm);
    expect(users).to.deep.equal(['USER django']);
    expect(dockerfile.indexOf('USER django')).to.be.above(dockerfile.indexOf('COPY --chown'));
    expect(dockerfile).to.match(/ENTRYPOINT \["\/entrypoint"\]\n$/);
  });

  it('strips CR from every script in the image, and every script execs its process', () => {
    const dockerfile = read(project, 'compose/production/django/Dockerfile');
    for (const target of ['/entrypoint', '/start', '/start-celeryworker', '/start-celerybeat', '/start-flower']) {
      expect(dockerfile).to.contain(`sed -i 's/\\r$//g' ${target} && chmod +x ${target}`);
    }
    for (const script of SCRIPTS) {
      const text = read(project, script);
      expect(text, script).to.match(/^#!\/bin\/bash\n\nset -o errexit\nset -o pipefail\nset -o nounset\n/);
      expect(text, script).to.match(/\nexec [^\n]+(\n {2}[^\n]+)*\n$/);
    }
  });

  it('collects static files, then execs gunicorn on 0.0.0.0:8000: GUNICORN_WORKERS or 3, a graceful timeout, access lines to stdout', () => {
    const start = read(project, 'compose/production/django/start');
    expect(start).to.contain('mkdir -p staticfiles\nflock staticfiles python manage.py collectstatic --noinput');
    expect(start).to.contain('exec gunicorn django_celery_example.wsgi:application \\\n  --bind 0.0.0.0:8000 \\');
    expect(start).to.contain('--workers "${GUNICORN_WORKERS:-3}"');
    expect(start).not.to.match(/nproc|cpu_count/);
    expect(start).to.contain(`--graceful-timeout ${LIMITS.gunicornGracefulTimeout} \\`);
    expect(start).to.match(/--access-logfile -\n$/);
    expect(start.indexOf('collectstatic')).to.be.below(start.indexOf('exec gunicorn'));
  });

  it('sizes the worker from the environment, not the CPU count, and recycles its processes', () => {
    const worker = read(project, 'compose/production/django/celery/worker/start');
    expect(worker).to.contain('--concurrency "${CELERY_WORKER_CONCURRENCY:-2}"');
    expect(worker).to.contain('--max-tasks-per-child "${CELERY_WORKER_MAX_TASKS_PER_CHILD:-100}"');
    const env = envLines(read(project, '.env/.prod'));
    expect(env.get('GUNICORN_WORKERS')).to.equal('3');
    expect(env.get('CELERY_WORKER_CONCURRENCY')).to.equal('2');
    expect(env.get('CELERY_WORKER_MAX_TASKS_PER_CHILD')).to.equal('100');
  });

  it('lets each service finish its work in flight within its stop grace period, and tasks end before the visibility timeout', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    const settings = read(project, 'django_celery_example/settings.py');
    const seconds = (text: string) => Number(/^(\d+)s$/.exec(text)![1]);
    const grace = (name: string) => seconds(/stop_grace_period: (\S+)/.exec(service(compose, name))![1]);
    expect(grace('web')).to.be.above(LIMITS.gunicornGracefulTimeout);
    const limit = (name: string) =>
      Number(new RegExp(`^${name} = int\\(os\\.environ\\.get\\("${name}", "(\\d+)"\\)\\)$`, 'm').exec(settings)![1]);
    const soft = limit('CELERY_TASK_SOFT_TIME_LIMIT');
    const hard = limit('CELERY_TASK_TIME_LIMIT');
    // Production keeps the settings' values: .env/.prod sets none of them.
    const prodEnv = envLines(read(project, '.env/.prod'));
    for (const name of ['CELERY_TASK_SOFT_TIME_LIMIT', 'CELERY_TASK_TIME_LIMIT', 'CELERY_VISIBILITY_TIMEOUT'])
      expect(prodEnv.has(name), name).to.equal(false);
    expect([soft, hard]).to.deep.equal([LIMITS.taskSoftTimeLimit, LIMITS.taskTimeLimit]);
    const visibility = Number(
      /"visibility_timeout": int\(os\.environ\.get\("CELERY_VISIBILITY_TIMEOUT", "(\d+)"\)\)/.exec(settings)![1],
    );
    expect(soft).to.be.below(hard);
    expect(grace('celery_worker')).to.be.above(hard);
    expect(hard).to.be.below(visibility);
  });

  it('takes replica counts from the deploying shell, so that a redeploy keeps them', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(service(compose, 'web')).to.contain('deploy:\n      replicas: ${WEB_REPLICAS:-1}');
    expect(service(compose, 'celery_worker')).to.contain('deploy:\n      replicas: ${CELERY_WORKER_REPLICAS:-1}');
    const readme = read(project, 'README.md');
    expect(readme).to.contain('WEB_REPLICAS');
    expect(readme).to.contain('CELERY_WORKER_REPLICAS');
  });

  it('leaves migrations to a one-off command that the README gives, never to each web replica', () => {
    expect(read(project, 'compose/production/django/start')).not.to.match(/^[^#]*migrate/m);
    expect(read(project, 'README.md')).to.contain(
      'docker compose -f docker-compose.prod.yml run --rm web python manage.py migrate --noinput',
    );
  });

  it('starts Flower at once (no wait for a worker), Celery options first, behind the login of .env/.prod', () => {
    const flower = read(project, 'compose/production/django/celery/flower/start');
    expect(flower).not.to.match(/^[^#]*(inspect ping|until |while |sleep )/m);
    expect(flower).to.contain(
      'export FLOWER_BASIC_AUTH="${CELERY_FLOWER_USER:?is empty: set it in .env/.prod}:${CELERY_FLOWER_PASSWORD:?is empty: set it in .env/.prod}"',
    );
    expect(flower).to.match(
      /\nexec celery -A django_celery_example --broker="\$\{CELERY_BROKER\}" flower --port=5555 --url_prefix=flower\n$/,
    );
  });

  it("runs the worker and beat with the project's Celery app", () => {
    expect(read(project, 'compose/production/django/celery/worker/start')).to.contain(
      'exec celery -A django_celery_example worker',
    );
    const beat = read(project, 'compose/production/django/celery/beat/start');
    expect(beat).to.contain(
      'exec celery -A django_celery_example beat --loglevel=INFO --scheduler=django_celery_example.beat:Scheduler \\\n  --schedule=/var/lib/celerybeat/schedule\n',
    );
    expect(read(project, 'compose/production/django/celery/worker/start')).not.to.contain('watchfiles');
  });

  it('has nginx proxy to web:8000 with the forwarded headers, and serve static files and uploads', () => {
    const conf = read(project, 'compose/production/nginx/nginx.conf');
    expect(conf).to.match(
      /location \/ \{\n(?: {8}.*\n)* {8}set \$web_upstream web:8000;\n {8}proxy_pass http:\/\/\$web_upstream;\n/,
    );
    expect(conf).to.match(
      /location \/flower\/ \{\n {8}set \$flower_upstream flower:5555;\n {8}proxy_pass http:\/\/\$flower_upstream;\n/,
    );
    expect(conf).to.match(/location \/static\/ \{\n {8}alias \/app\/staticfiles\/;\n/);
    expect(conf).to.match(/location \/media\/ \{\n {8}alias \/app\/mediafiles\/;\n/);
    expect(conf).to.contain('proxy_set_header Host $http_host;');
    expect(conf).to.contain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    expect(conf).to.contain('proxy_set_header X-Forwarded-Proto $forwarded_proto;');
    expect(conf).to.match(/client_max_body_size \d+M;/);
    // Headers set at server level reach every location only if no location sets its own.
    for (const location of conf.split(/location /).slice(1)) {
      expect(location).not.to.contain('proxy_set_header');
    }
    expect(read(project, 'compose/production/nginx/Dockerfile')).to.match(/^FROM nginx:1\.30-alpine\n/);
  });

  it("has nginx look service names up at request time through Docker's DNS, never once at start", () => {
    const conf = read(project, 'compose/production/nginx/nginx.conf');
    expect(conf).to.match(/^resolver 127\.0\.0\.11 valid=\d+s ipv6=off;$/m);
    expect(conf).not.to.match(/^\s*upstream\b/m);
    // Every proxy_pass names its host through a variable.
    for (const [, target] of conf.matchAll(/proxy_pass\s+([^;]+);/g)) expect(target).to.match(/^http:\/\/\$\w+$/);
  });

  it('has nginx wait for a web that answers, and not for Flower', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(service(compose, 'nginx')).to.contain('depends_on:\n      web:\n        condition: service_healthy\n');
    expect(service(compose, 'nginx')).not.to.contain('flower');
    expect(service(compose, 'web')).to.match(
      /healthcheck:\n {6}test: \["CMD", "python", "-c", "[^"]*127\.0\.0\.1', 8000[^"]*\/health\/[^"]*"\]/,
    );
    expect(service(compose, 'celery_worker')).to.contain(
      'inspect ping --timeout 5 --destination \\"celery@$${HOSTNAME}\\"',
    );
  });

  it("keeps queued tasks in Redis's append-only file, and lets the worker read the uploads", () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(service(compose, 'redis')).to.contain('command: ["redis-server", "--appendonly", "yes", "--save", ""');
    expect(service(compose, 'celery_worker')).to.contain('volumes:\n      - media_volume:/app/mediafiles\n');
  });

  it('serves plain HTTP until DJANGO_SECURE_PROXY says a TLS proxy is in front', () => {
    const env = envLines(read(project, '.env/.prod'));
    expect(env.get('DJANGO_SECURE_PROXY')).to.equal('0');
    const settings = read(project, 'django_celery_example/settings.py');
    const block = settings.slice(settings.indexOf('if env_bool("DJANGO_SECURE_PROXY", False):'));
    for (const name of [
      'SECURE_PROXY_SSL_HEADER',
      'SECURE_SSL_REDIRECT',
      'SESSION_COOKIE_SECURE',
      'CSRF_COOKIE_SECURE',
      'SECURE_HSTS_SECONDS',
    ]) {
      expect(settings.match(new RegExp(`^\\s*${name} =`, 'gm')), name).to.have.length(1);
      expect(block, name).to.match(new RegExp(`^ {4}${name} =`, 'm'));
    }
  });

  it('answers /health/ before the Host check and the HTTPS redirect, checking Postgres and Redis', () => {
    const settings = read(project, 'django_celery_example/settings.py');
    const middleware = /^MIDDLEWARE = \[\n(?:\s*#.*\n)*\s*"([^"]+)",/m.exec(settings)?.[1];
    expect(middleware).to.equal('django_celery_example.health.HealthCheckMiddleware');
    const health = read(project, 'django_celery_example/health.py');
    expect(health).to.contain('CHECKS = {"database": database, "redis": broker}');
    expect(health).to.contain('status=503 if down else 200');
  });

  it('fails a task after CELERY_TASK_MAX_DELIVERIES (3) deliveries, counted in Redis, for every task of the app', () => {
    const celery = read(project, 'django_celery_example/celery.py');
    const delivery = read(project, 'django_celery_example/delivery.py');
    expect(delivery).to.contain('MAX_DELIVERIES = int(os.environ.get("CELERY_TASK_MAX_DELIVERIES", "3"))');
    expect(delivery).to.match(/^class BoundedDeliveryTask\(Task\):$/m);
    expect(celery).to.contain('from .delivery import BoundedDeliveryTask\n');
    expect(celery).to.contain('app = Celery("django_celery_example", task_cls=BoundedDeliveryTask)');
    expect(envLines(read(project, '.env/.prod')).get('CELERY_TASK_MAX_DELIVERIES')).to.equal('3');
  });

  it('waits SQL_WAIT_SECONDS (60 by default) for Postgres, the same way in both stacks', () => {
    const entrypoint = read(project, 'compose/production/django/entrypoint');
    expect(entrypoint).to.contain('float(os.environ.get("SQL_WAIT_SECONDS") or 60)');
    expect(entrypoint).to.equal(read(project, 'compose/local/django/entrypoint'));
    expect(envLines(read(project, '.env/.prod')).get('SQL_WAIT_SECONDS')).to.equal('60');
  });

  it('publishes only nginx, on 1337, and lets web and the worker scale', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(compose.match(/ports:/g)).to.have.length(1);
    expect(service(compose, 'nginx')).to.contain('ports:\n      - "1337:80"');
    for (const name of ['web', 'db', 'redis', 'celery_worker', 'celery_beat', 'flower']) {
      expect(service(compose, name), name).not.to.match(/ports:|expose:/);
    }
    expect(yamlBlock(compose, 'x-django')).not.to.contain('ports:');
    expect(compose).not.to.contain('container_name');
    expect(compose).not.to.match(/^version:/m);
  });

  it('restarts every service unless stopped, and waits for healthy Postgres and Redis', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    const shared = yamlBlock(compose, 'x-django');
    expect(shared).to.contain('restart: unless-stopped');
    expect(shared).to.contain('db:\n      condition: service_healthy\n    redis:\n      condition: service_healthy');
    for (const name of ['web', 'celery_worker', 'celery_beat', 'flower']) {
      expect(service(compose, name), name).to.contain('<<: *django');
    }
    for (const name of ['db', 'redis', 'nginx']) {
      expect(service(compose, name), name).to.contain('restart: unless-stopped');
    }
    expect(service(compose, 'db')).to.contain(
      'pg_isready --host 127.0.0.1 --username \\"$${POSTGRES_USER}\\" --dbname \\"$${POSTGRES_DB}\\"',
    );
    expect(service(compose, 'redis')).to.contain('test: ["CMD-SHELL", "redis-cli ping | grep -qx PONG"]');
  });

  it('shares the static and media volumes between web (read-write) and nginx (read-only)', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(service(compose, 'web')).to.contain(
      '- static_volume:/app/staticfiles\n      - media_volume:/app/mediafiles',
    );
    expect(service(compose, 'nginx')).to.contain(
      '- static_volume:/app/staticfiles:ro\n      - media_volume:/app/mediafiles:ro',
    );
    expect(yamlBlock(compose, 'volumes')).to.equal(
      '  postgres17_data:\n  postgres_backups:\n  redis_data:\n  static_volume:\n  media_volume:\n  celerybeat_data:',
    );
  });

  it("keeps beat's file schedule in a named volume, on the folder the image makes for the django user; with the database scheduler, no such volume", async () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(service(compose, 'celery_beat')).to.contain('volumes:\n      - celerybeat_data:/var/lib/celerybeat\n');
    expect(read(project, 'compose/production/django/celery/beat/start')).to.contain(
      '--schedule=/var/lib/celerybeat/schedule\n',
    );
    expect(read(project, 'compose/production/django/Dockerfile')).to.match(
      /^RUN mkdir -p [^\n]* \/var\/lib\/celerybeat \\\n {2}&& chown django:django [^\n]* \/var\/lib\/celerybeat$/m,
    );
    const { project: database } = await runApp({ defaults: true, prod: true, 'beat-scheduler': 'database' });
    expect(read(database, 'docker-compose.prod.yml')).to.not.contain('celerybeat_data');
    expect(read(database, 'compose/production/django/celery/beat/start')).to.not.contain('--schedule=');
    expect(read(database, 'compose/production/django/Dockerfile')).to.not.contain('/var/lib/celerybeat');
  });

  it("backs up on db's own image (pg_dump of the server's major), into a volume of its own", async () => {
    for (const version of ['17', '18']) {
      const { project: made } = await runApp({ defaults: true, prod: true, 'postgres-version': version });
      const compose = read(made, 'docker-compose.prod.yml');
      const image = /^ {4}image: (postgres:\S+)$/m.exec(service(compose, 'db'))?.[1];
      expect(image, version).to.equal(`postgres:${version}-alpine`);
      expect(read(made, 'compose/production/postgres/Dockerfile'), version).to.match(
        new RegExp(`^FROM ${image}$`, 'm'),
      );
      expect(service(compose, 'backup'), version).to.contain('- postgres_backups:/backups');
      // restore gives a restored database to Django's role with db's own script.
      expect(read(made, 'compose/production/postgres/Dockerfile'), version).to.contain(
        'COPY ./initdb/app-role.sh /usr/local/bin/app-role',
      );
      expect(read(made, 'compose/production/postgres/maintenance/restore'), version).to.match(
        /^ {2}POSTGRES_DB=\$restoring app-role$/m,
      );
    }
  });

  it('redeploys with one script: a backup before the migrations, which stops the redeploy if it fails, then web the rolling way', () => {
    expect(/^### Redeploy\n\n```sh\n([\s\S]*?)```/m.exec(read(project, 'README.md'))?.[1]).to.equal(
      'bash compose/production/redeploy\n',
    );
    const script = read(project, 'compose/production/redeploy');
    expect(script).to.match(/^set -o errexit$/m);
    const steps = [...script.matchAll(/^\s*(?:if ! )?compose ((?:pull|build|run|up)\b.*?)(?:; then)?$/gm)].map(
      match => match[1],
    );
    expect(steps).to.deep.equal([
      'pull --ignore-buildable',
      'build --pull',
      'run --rm backup backup',
      'run --rm web python manage.py migrate --noinput',
      'up -d --no-deps --no-recreate --scale "web=$((${#old[@]} + replicas))" web || started=false',
      'up -d',
    ]);
  });

  it('warns, before each down -v, what it deletes', () => {
    const readme = read(project, 'README.md');
    const commands = [...readme.matchAll(/((?:[^\n]+\n)+)\n```sh\n[^`]*\bdown -v\b/g)];
    expect(commands).to.have.length(1);
    for (const [, paragraph] of commands)
      expect(paragraph.replace(/\s+/g, ' ')).to.match(/deletes the development database .* for good/);
  });

  it('keeps its containers and volumes apart from the development stack', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(compose).to.match(/^name: django_celery_example_prod$/m);
    expect(compose).to.contain('image: django_celery_example_production_django');
  });

  it('gives Postgres and Django the same credentials from the two production env files', () => {
    const compose = read(project, 'docker-compose.prod.yml');
    expect(service(compose, 'db')).to.contain('env_file:\n      - ./.env/.prod.db');
    expect(service(compose, 'db')).to.contain('- postgres17_data:/var/lib/postgresql/data');
    expect(yamlBlock(compose, 'x-django')).to.contain('env_file:\n    - ./.env/.prod');
    const django = envLines(read(project, '.env/.prod'));
    const db = envLines(read(project, '.env/.prod.db'));
    expect([...db.keys()]).to.deep.equal([
      'POSTGRES_DB',
      'POSTGRES_USER',
      'POSTGRES_PASSWORD',
      'APP_DB_USER',
      'APP_DB_PASSWORD',
    ]);
    expect(db.get('POSTGRES_DB')).to.equal('hello_django');
    // The image's superuser is not the role Django connects as.
    expect(db.get('POSTGRES_USER')).to.equal('postgres');
    expect(db.get('POSTGRES_PASSWORD')).to.equal(fixedSecrets('POSTGRES_PASSWORD'));
    expect(db.get('APP_DB_USER')).to.equal('hello_django');
    expect(django.get('SQL_DATABASE')).to.equal(db.get('POSTGRES_DB'));
    expect(django.get('SQL_USER')).to.equal(db.get('APP_DB_USER'));
    expect(django.get('SQL_PASSWORD')).to.equal(db.get('APP_DB_PASSWORD'));
    expect(django.get('SQL_PASSWORD')).to.equal(fixedSecrets('SQL_PASSWORD'));
    expect(django.get('SQL_PASSWORD')).not.to.equal('hello_django');
    expect(service(compose, 'db')).to.contain('- ./compose/production/postgres/initdb:/docker-entrypoint-initdb.d:ro');
    expect(read(project, 'compose/production/postgres/initdb/app-role.sh')).to.contain(
      'ALTER ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE',
    );
  });

  it("names the superuser postgres_admin when Django's own role is postgres", async () => {
    const { project } = await runApp({ defaults: true, prod: true, 'postgres-user': 'postgres' });
    const db = envLines(read(project, '.env/.prod.db'));
    expect(db.get('POSTGRES_USER')).to.equal('postgres_admin');
    expect(db.get('APP_DB_USER')).to.equal('postgres');
    expect(envLines(read(project, '.env/.prod')).get('SQL_USER')).to.equal('postgres');
  });

  it('gives a .env/.prod.db written before Django had a role of its own the app role as the volume has it, keeping every line', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const older = 'POSTGRES_DB=hello_django\nPOSTGRES_USER=hello_django\nPOSTGRES_PASSWORD=the-volume-s-password\n';
    writeFileSync(join(project, '.env/.prod.db'), older);
    writeFileSync(
      join(project, '.env/.prod'),
      read(project, '.env/.prod').replace(
        `SQL_PASSWORD=${fixedSecrets('SQL_PASSWORD')}`,
        'SQL_PASSWORD=the-volume-s-password',
      ),
    );
    await runProd(project, { secretSource: (name: string) => `new_${name}` });
    const db = read(project, '.env/.prod.db');
    expect(db.startsWith(older), db).to.equal(true);
    const lines = envLines(db);
    // The same role and password as before: the app connects as it did, until the README's step.
    expect(lines.get('APP_DB_USER')).to.equal('hello_django');
    expect(lines.get('APP_DB_PASSWORD')).to.equal('the-volume-s-password');
    expect(lines.get('POSTGRES_USER')).to.equal('hello_django');
  });

  it('turns DEBUG off and derives the trusted origins from the allowed hosts', () => {
    const env = envLines(read(project, '.env/.prod'));
    expect(env.get('DEBUG')).to.equal('0');
    expect(env.get('DJANGO_ALLOWED_HOSTS')).to.equal('"localhost 127.0.0.1 [::1]"');
    expect(env.get('DJANGO_CSRF_TRUSTED_ORIGINS')).to.equal('"https://localhost https://127.0.0.1 https://[::1]"');
    expect(env.get('SQL_HOST')).to.equal('db');
    expect(env.get('CELERY_BROKER')).to.equal('redis://redis:6379/0');
  });

  it('serves plain HTTP until DJANGO_SECURE_PROXY says a TLS proxy is in front, and leaves the SMTP settings empty for the user to fill', () => {
    const env = envLines(read(project, '.env/.prod'));
    expect(env.get('DJANGO_SECURE_PROXY')).to.equal('0');
    expect(env.has('DJANGO_SECURE_SSL_REDIRECT')).to.equal(false);
    for (const key of [
      'EMAIL_HOST',
      'EMAIL_PORT',
      'EMAIL_HOST_USER',
      'EMAIL_HOST_PASSWORD',
      'EMAIL_USE_TLS',
      'DEFAULT_FROM_EMAIL',
    ]) {
      expect(env.get(key), key).to.equal('');
    }
    expect(read(project, 'README.md')).to.contain(
      '`EMAIL_HOST`, `EMAIL_PORT`, `EMAIL_HOST_USER`, `EMAIL_HOST_PASSWORD`',
    );
  });

  it('writes the secrets the injected source gives: SECRET_KEY, the database and Flower passwords', () => {
    const env = envLines(read(project, '.env/.prod'));
    expect(env.get('SECRET_KEY')).to.equal(fixedSecrets('SECRET_KEY'));
    expect(env.get('CELERY_FLOWER_USER')).to.equal('admin');
    expect(env.get('CELERY_FLOWER_PASSWORD')).to.equal(fixedSecrets('CELERY_FLOWER_PASSWORD'));
  });

  it('stores the production answers and prod: true, and no secret, in .yo-rc.json', () => {
    const text = read(project, '.yo-rc.json');
    const stored = JSON.parse(text)['generator-django-celery'];
    expect(stored).to.include({
      prod: true,
      nginxPort: 1337,
      allowedHosts: 'localhost 127.0.0.1 [::1]',
      flowerUser: 'admin',
    });
    for (const name of ['SECRET_KEY', 'SQL_PASSWORD', 'CELERY_FLOWER_PASSWORD']) {
      expect(text).not.to.contain(fixedSecrets(name));
    }
  });

  it("writes production's requirements into a file of its own, requirements-prod.txt, and leaves requirements.txt alone", () => {
    expect(read(project, 'requirements-prod.txt')).to.match(/^-r requirements\.txt\ngunicorn==26\.2\.2\n$/m);
    expect(read(project, 'requirements.txt')).not.to.match(/gunicorn/);
  });

  it('asks for Celery with its Redis extra in every requirements file that brings Celery', () => {
    const files = ['requirements.txt', 'requirements-dev.txt', 'requirements-prod.txt'];
    const celery = files.flatMap(file => requirementLines(read(project, file)).filter(line => /^celery\b/i.test(line)));
    expect(celery).to.deep.equal([`celery[redis]==${PACKAGE_PINS.celery}`]);
  });

  it("writes the lock of the project's Python and Django line as constraints.txt, under a header saying what it is", () => {
    const constraints = read(project, 'constraints.txt');
    expect(constraints).to.match(
      /^# The lock: every Python distribution the images install, at one exact version, for\n# Python 3\.13 and Django 5\.2\./,
    );
    expect(constraints.replace(/^#.*\n/, '').endsWith(readLock('3.13', '5.2').text)).to.equal(true);
  });

  it('installs every image with -c constraints.txt', () => {
    expect(read(project, 'compose/local/django/Dockerfile')).to.contain(
      'pip install --no-cache-dir -r /requirements-dev.txt -c /constraints.txt\n',
    );
    const production = read(project, 'compose/production/django/Dockerfile');
    expect(production.match(/-r \/requirements-prod\.txt -c \/constraints\.txt/g)).to.have.length(2);
  });

  it('documents production in the README: settings, build, migrate, start, superuser, logs, Flower', () => {
    const readme = read(project, 'README.md');
    for (const text of [
      '## Production',
      '`.env/.prod`',
      'docker compose -f docker-compose.prod.yml build',
      'docker compose -f docker-compose.prod.yml up -d',
      'docker compose -f docker-compose.prod.yml run --rm web python manage.py createsuperuser',
      'docker compose -f docker-compose.prod.yml logs -f web nginx',
      'Flower is at `/flower/`, with the login `admin`',
      'port 1337',
    ]) {
      expect(readme).to.contain(text);
    }
  });

  it('never writes `undefined` into a file', () => {
    for (const [path, content] of readTree(project)) {
      expect(content, path).not.to.contain('undefined');
    }
  });

  describe('its production secrets', () => {
    it('are ignored by git, while the development settings are not', () => {
      expect(runSync('git', ['init', '-q'], { cwd: project }).status).to.equal(0);
      const ignored = (path: string) => runSync('git', ['check-ignore', '-q', path], { cwd: project }).status === 0;
      for (const file of SECRET_FILES) expect(ignored(file), file).to.equal(true);
      // Nor the copies a run left halfway keeps of them.
      for (const file of [
        '.django-celery-staging/0',
        '.django-celery-staging/old-3',
        '.django-celery-staging/journal.json',
        '.django-celery.lock',
      ]) {
        expect(ignored(file), file).to.equal(true);
      }
      expect(ignored('.env/.dev-sample')).to.equal(false);
      expect(ignored('docker-compose.prod.yml')).to.equal(false);
    });

    it('never enter a Docker build context', () => {
      const ignore = new DockerIgnore(readFileSync(join(project, '.dockerignore'), 'utf8'));
      for (const file of [
        ...SECRET_FILES,
        '.env/.dev-sample',
        '.django-celery-staging/0',
        '.django-celery-staging/old-3',
        '.django-celery.lock',
      ]) {
        expect(ignore.excludes(file), file).to.equal(true);
      }
      expect(ignore.excludes('manage.py')).to.equal(false);
    });
  });

  describe('its production Flower start script', () => {
    let script: string;
    let bin: string;
    before(() => {
      script = join(project, 'compose/production/django/celery/flower/start');
      // A stand-in for `celery`: answers the ping, and shows what flower would be started with.
      bin = mkdtempSync(join(tmpdir(), 'fake-celery-'));
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'celery'), '#!/bin/bash\necho "celery $* auth=${FLOWER_BASIC_AUTH:-none}"\n');
      chmodSync(join(bin, 'celery'), 0o755);
    });

    const start = (env: Record<string, string>) =>
      runSync('bash', [script], {
        env: { PATH: `${bin}:/usr/bin:/bin`, CELERY_BROKER: 'redis://redis:6379/0', ...env },
      });

    it('starts Flower behind the login of .env/.prod, kept out of its command line', () => {
      const run = start({ CELERY_FLOWER_USER: 'admin', CELERY_FLOWER_PASSWORD: 's3cret' });
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.match(
        /celery -A django_celery_example --broker=redis:\/\/redis:6379\/0 flower .* auth=admin:s3cret/,
      );
      expect(run.stdout).not.to.match(/flower[^\n]*s3cret[^\n]*auth=/);
    });

    for (const [what, env] of [
      ['an empty password', { CELERY_FLOWER_USER: 'admin', CELERY_FLOWER_PASSWORD: '' }],
      ['no password', { CELERY_FLOWER_USER: 'admin' }],
      ['an empty login', { CELERY_FLOWER_USER: '', CELERY_FLOWER_PASSWORD: 's3cret' }],
    ] as const) {
      it(`refuses to start Flower with ${what}`, () => {
        const run = start(env);
        expect(run.status).to.not.equal(0);
        expect(run.stderr).to.match(/CELERY_FLOWER_(USER|PASSWORD)/);
        expect(run.stdout).not.to.contain(' flower ');
      });
    }
  });
});

describe('yo django-celery:prod inside a project generated without production', () => {
  it('writes what `yo django-celery --defaults --prod` writes, byte for byte', async () => {
    const withProd = await runApp({ defaults: true, prod: true });
    const without = await runApp({ defaults: true });
    expect(existsSync(join(without.project, 'docker-compose.prod.yml'))).to.equal(false);
    await runProd(without.project, { defaults: true });
    expect(readTree(without.project)).to.deep.equal(readTree(withProd.project));
  });

  describe('with custom answers', () => {
    let project: string;
    before(async () => {
      ({ project } = await runApp({ ...CUSTOM_APP, prod: false }));
      await runProd(project, CUSTOM_PROD);
    });

    it('writes what the same answers given to `yo django-celery` write, byte for byte', async () => {
      const direct = await runApp({ ...CUSTOM_APP, ...CUSTOM_PROD, prod: true });
      expect(readTree(project)).to.deep.equal(readTree(direct.project));
    });

    it('publishes nginx on the chosen port and lets the chosen hosts in', () => {
      const env = envLines(read(project, '.env/.prod'));
      expect(read(project, 'docker-compose.prod.yml')).to.contain('- "8080:80"');
      expect(env.get('DJANGO_ALLOWED_HOSTS')).to.equal('"example.com www.example.com .example.org"');
      expect(env.get('DJANGO_CSRF_TRUSTED_ORIGINS')).to.equal(
        '"https://example.com https://www.example.com https://*.example.org"',
      );
      expect(env.get('CELERY_FLOWER_USER')).to.equal('ops');
    });

    it("reuses the project's database name and user, with a new password", () => {
      const db = envLines(read(project, '.env/.prod.db'));
      expect(db.get('POSTGRES_DB')).to.equal('shop_db');
      expect(db.get('APP_DB_USER')).to.equal('shop_user');
      expect(db.get('APP_DB_PASSWORD')).to.equal(fixedSecrets('SQL_PASSWORD'));
      expect(db.get('POSTGRES_USER')).to.equal('postgres');
      expect(db.get('POSTGRES_PASSWORD')).to.equal(fixedSecrets('POSTGRES_PASSWORD'));
    });

    it('mounts the data volume where Postgres 18 keeps its data', () => {
      expect(read(project, 'docker-compose.prod.yml')).to.contain('- postgres18_data:/var/lib/postgresql\n');
    });

    it('names the Celery app, the WSGI module and the images after the project', () => {
      expect(read(project, 'compose/production/django/start')).to.contain('exec gunicorn shop.wsgi:application');
      expect(read(project, 'compose/production/django/celery/worker/start')).to.contain('exec celery -A shop worker');
      expect(read(project, 'docker-compose.prod.yml')).to.contain('image: shop_production_django');
    });

    it('stores the answers as normalised', () => {
      const stored = JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'];
      expect(stored).to.include({
        prod: true,
        nginxPort: 8080,
        allowedHosts: 'example.com www.example.com .example.org',
        flowerUser: 'ops',
      });
    });
  });

  it("publishes nginx's port on every interface, or with --nginx-loopback on 127.0.0.1 only, which a re-run can turn on", async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const nginxPorts = () =>
      /^ {4}ports:\n {6}- "([^"]+)"$/m.exec(service(read(project, 'docker-compose.prod.yml'), 'nginx'))?.[1];
    expect(nginxPorts()).to.equal('1337:80');
    await runProd(project, { 'nginx-loopback': true });
    expect(nginxPorts()).to.equal('127.0.0.1:1337:80');
    expect(JSON.parse(read(project, '.yo-rc.json'))['generator-django-celery'].nginxLoopback).to.equal(true);
    expect(read(project, 'README.md')).to.contain('(port 1337, on 127.0.0.1 only)');
  });

  it('changes nothing when run a second time, and asks nothing', async () => {
    const { project } = await runApp({ defaults: true });
    await runProd(project, { defaults: true });
    const first = readTree(project);
    const again = await runProd(project, { secretSource: () => 'a_new_secret_that_must_not_replace_the_old_one' });
    expect(again.askedQuestions).to.deep.equal([]);
    expect(readTree(project)).to.deep.equal(first);
  });

  it('keeps the secrets the production env files hold', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    const keep = (path: string, key: string, generated: string, kept: string) => {
      const text = read(project, path);
      expect(text).to.contain(`${key}=${generated}\n`);
      writeFileSync(
        join(project, path),
        text.replace(`${key}=${generated}\n`, () => `${key}=${envValue(kept)}\n`),
      );
    };
    keep('.env/.prod', 'SECRET_KEY', fixedSecrets('SECRET_KEY'), 'a-key-of-my-own-0123456789');
    keep('.env/.prod', 'SQL_PASSWORD', fixedSecrets('SQL_PASSWORD'), 'my $db pass');
    keep('.env/.prod.db', 'APP_DB_PASSWORD', fixedSecrets('SQL_PASSWORD'), 'my $db pass');
    keep('.env/.prod.db', 'POSTGRES_PASSWORD', fixedSecrets('POSTGRES_PASSWORD'), 'my admin pass');
    keep('.env/.prod', 'CELERY_FLOWER_PASSWORD', fixedSecrets('CELERY_FLOWER_PASSWORD'), 'my_flower_pass');
    // Every file but .yo-rc.json, whose record of what was written now has the edits.
    const files = () => {
      const tree = readTree(project);
      tree.delete('.yo-rc.json');
      return tree;
    };
    const before = files();
    await runProd(project, { secretSource: (name: string) => `new_${name}` });
    expect(files()).to.deep.equal(before);
    expect(read(project, '.env/.prod.db'))
      .to.contain('APP_DB_PASSWORD="my $$db pass"\n')
      .and.contain('POSTGRES_PASSWORD="my admin pass"\n');
  });

  it('makes fresh random secrets without an injected source, and stores none of them', async () => {
    const { project } = await runApp({ defaults: true });
    await runGenerator('prod').withOptions({ defaults: true, force: true }).cd(project);
    const env = envLines(read(project, '.env/.prod'));
    const secrets = ['SECRET_KEY', 'SQL_PASSWORD', 'CELERY_FLOWER_PASSWORD'].map(key => String(env.get(key)));
    for (const secret of secrets) {
      expect(secret).to.match(/^[A-Za-z0-9_-]{64}$/);
      expect(read(project, '.yo-rc.json')).not.to.contain(secret);
    }
    expect(new Set(secrets).size).to.equal(3);
    expect(secrets[0]).not.to.equal(envLines(read(project, '.env/.dev-sample')).get('SECRET_KEY'));
  });

  it('asks only what production needs, and uses the answers', async () => {
    const { project } = await runApp({ defaults: true });
    const result = await runProd(
      project,
      { interactive: true },
      { https: 'off', nginxPort: '8443', allowedHosts: 'shop.example.com', flowerUser: 'watcher' },
    );
    expect(result.askedQuestions.map(asked => asked.name)).to.deep.equal([
      'https',
      'nginxPort',
      'allowedHosts',
      'flowerUser',
    ]);
    expect(read(project, 'docker-compose.prod.yml')).to.contain('- "8443:80"');
    expect(read(project, '.env/.prod')).to.contain('DJANGO_ALLOWED_HOSTS=shop.example.com\n');
    expect(read(project, '.env/.prod')).to.contain('CELERY_FLOWER_USER=watcher\n');
  });
});

/** Option, rejected value, and what the message must say. */
const REJECTED: [string, string, RegExp][] = [
  ['nginx-port', '0', /not a port: use a whole number from 1 to 65535/],
  ['nginx-port', 'http', /not a port/],
  ['nginx-port', '8010', /Port 8010 is already the web port: each published port must be different/],
  ['nginx-port', '5557', /already the Flower port/],
  ['allowed-hosts', ' , ', /Give at least one host name/],
  ['allowed-hosts', 'https://example.com', /"https:\/\/example.com" is not a host name Django can match/],
  ['allowed-hosts', 'example.com bad_host!', /"bad_host!" is not a host name/],
  ['flower-user', 'ops:admin', /not a usable Flower login: use 1 to 64 letters, digits, dots, dashes or underscores/],
  ['flower-user', 'two words', /not a usable Flower login/],
];

describe('yo django-celery:prod with an invalid option', () => {
  let project: string;
  beforeEach(async () => {
    ({ project } = await runApp({ defaults: true }));
  });

  for (const [option, value, message] of REJECTED) {
    it(`rejects --${option} ${JSON.stringify(value)}, says why, and writes nothing`, async () => {
      await expectRefusedUnchanged(
        project,
        runProd(project, { defaults: true, [option]: value }),
        new RegExp(`--${option}: .*${message.source}`, 's'),
      );
    });
  }

  it('fails the same way when composed by `yo django-celery --prod`', async () => {
    await expectRejection(
      runApp({ defaults: true, prod: true, 'flower-user': 'a,b' }),
      /--flower-user: "a,b" is not a usable Flower login/,
    );
  });
});

describe('yo django-celery:prod answering prompts', () => {
  it('re-asks a prompt with the same message as the option when the answer is invalid', async () => {
    const { project } = await runApp({ defaults: true });
    const values: Record<string, string> = { nginxPort: '8010', allowedHosts: 'not/a/host', flowerUser: 'who?' };
    const verdicts = await promptVerdicts('prod', values, { options: { force: true }, cwd: project });
    expect(verdicts.nginxPort).to.match(/Port 8010 is already the web port/);
    expect(verdicts.allowedHosts).to.match(/"not\/a\/host" is not a host name Django can match/);
    expect(verdicts.flowerUser).to.match(/"who\?" is not a usable Flower login/);
  });
});

describe('yo django-celery:prod outside a generated project', () => {
  it('fails, saying to run `yo django-celery` first, blaming no .yo-rc.json, and leaves the folder empty', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'django-celery-'));
    await expectRejection(
      runGenerator('prod').withOptions({ defaults: true, secretSource: fixedSecrets }).inDir(folder),
      /^\S+ is not in a project of this generator \(no \.yo-rc\.json here or in a folder above\): run `yo django-celery` first to create the project/,
    );
    expect(readdirSync(folder)).to.deep.equal([]);
  });

  it('leaves a .yo-rc.json of another generator alone', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'django-celery-'));
    const other = '{\n  "generator-other": {\n    "name": "x"\n  }\n}\n';
    writeFileSync(join(folder, '.yo-rc.json'), other);
    await expectRejection(
      runGenerator('prod').withOptions({ defaults: true, secretSource: fixedSecrets }).cd(folder),
      /run `yo django-celery` first/,
    );
    expect(readdirSync(folder)).to.deep.equal(['.yo-rc.json']);
    expect(read(folder, '.yo-rc.json')).to.equal(other);
  });
});
