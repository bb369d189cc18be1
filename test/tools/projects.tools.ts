// The real-tools tier: generates a project for each answer set of the matrix and checks
// it with Compose v2, a Dockerfile reader, shellcheck, nginx, Caddy and Python/Django.
// `npm run test:tools`; the tools come from `bash scripts/install-tools.sh`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { ANSWERS, VERSIONS } from '../../src/generators/lib/answers/answers.js';
import { CADDY_IMAGE } from '../../src/generators/lib/values/versions.js';
import {
  durationSeconds,
  environmentOf,
  publishedPorts,
  serviceRunning,
  type ComposeConfig,
} from '../support/compose.js';
import {
  COMPOSE_FILES,
  generateMatrix,
  HOST_USER_SET,
  MATRIX,
  REPLICAS_SET,
  SECURE_PROXY_OFF,
  SECURE_PROXY_ON,
  typed,
  type ComposeFile,
  type MatrixEntry,
  type ProjectUnderTest,
} from './project.js';
import { describeRun, type Ran, runSync } from '../support/run.js';
import { aptInstalls, trixiePackages } from './debian.js';
import { describeQuality } from './quality-checks.js';
import { INSTALL_COMMAND, runTool, TOOLS_BIN } from '../support/tools.js';
import { describeWorkflow } from './github.js';
import { CADDYFILE, caddyListening, describeCaddy, runCaddy, type CaddyConfig } from './caddy.js';

function expectSuccess(result: Ran): void {
  expect(result.status, describeRun(result)).to.equal(0);
}

function expectQuietSuccess(result: Ran): void {
  expectSuccess(result);
  expect(result.stderr, `\`${result.command}\` succeeded but warned:\n${result.stderr}`).to.equal('');
}

const DJANGO_SERVICES = ['web', 'celery_worker', 'celery_beat', 'flower'];
/** Ports a service run from a published image (not built here) listens on, by image. */
const IMAGE_PORTS: Record<string, number[]> = { 'axllent/mailpit': [1025, 8025] };
/** The development worker and beat restart on Python files only, not on these paths. */
/** The exec of watchfiles in a start script whose continued lines are joined (the worker's gives it --sigint-timeout). */
const RELOAD =
  /^exec watchfiles --filter python --ignore-paths ([\w/,.-]+) --target-type command (?:--sigint-timeout "[^"\n]+" )?(['"])(celery -A \w+ (worker|beat) [^'"]*)\2$/m;
const joinedLines = (script: string) => script.replace(/\\\n\s*/g, '');
/** The db service's settings that Django reads as its own, by stack: production's Django has a role of its own (APP_DB_*). */
const CREDENTIALS = {
  local: [
    ['POSTGRES_DB', 'SQL_DATABASE', 'postgresDb'],
    ['POSTGRES_USER', 'SQL_USER', 'postgresUser'],
    ['POSTGRES_PASSWORD', 'SQL_PASSWORD', 'postgresPassword'],
  ],
  production: [
    ['POSTGRES_DB', 'SQL_DATABASE', 'postgresDb'],
    ['APP_DB_USER', 'SQL_USER', 'postgresUser'],
    ['APP_DB_PASSWORD', 'SQL_PASSWORD', 'postgresPassword'],
  ],
} as const;

describe('the tools this tier runs', () => {
  /** Runs a tool's version command; a failure names the command that installs the tools. */
  const expectTool = async (program: string, args: string[]) => {
    const result = await runTool(program, args, { cwd: process.cwd() });
    expect(result.status, `${describeRun(result)}\nInstall the tools with \`${INSTALL_COMMAND}\`.`).to.equal(0);
    return result;
  };

  it('has docker-compose, Compose v2', async () => {
    const result = await expectTool('docker-compose', ['version', '--short']);
    expect(result.stdout.trim(), `Compose v2 is needed: install it with \`${INSTALL_COMMAND}\``).to.match(/^v?2\./);
  });

  it('has shellcheck', async () => {
    await expectTool('shellcheck', ['--version']);
  });

  it('has nginx', async () => {
    await expectTool('nginx', ['-v']);
  });

  it(`has caddy (Debian forky's, in its root) of the line of the image (${CADDY_IMAGE})`, async () => {
    const result = await runCaddy(process.cwd(), ['version']);
    expect(result.status, `${describeRun(result)}\nInstall the tools with \`${INSTALL_COMMAND}\`.`).to.equal(0);
    const line = /^caddy:(\d+\.\d+)-/.exec(CADDY_IMAGE)![1];
    expect(result.stdout.trim()).to.match(new RegExp(`^v?${line.replace('.', '\\.')}\\.\\d+\\b`));
  });

  it('has a python that imports Django, Celery and psycopg', async () => {
    await expectTool('python', ['-c', 'import django, celery, psycopg']);
  });
});

describe('the matrix of this tier', () => {
  it('takes every value of every version option the generator offers', () => {
    for (const [tool, values] of Object.entries(VERSIONS)) {
      const option = `${tool}-version`;
      const taken = MATRIX.map(entry => typed(entry, ANSWERS.find(spec => spec.option === option)!.name));
      expect(taken, option).to.include.members([...values]);
    }
  });

  it('takes the defaults, custom ports with a hostile password and user, and production', () => {
    expect(MATRIX.some(entry => Object.keys(entry.options).length === 0)).to.equal(true);
    const hostile = MATRIX.find(entry => entry.options['postgres-password'] !== undefined);
    expect(hostile?.options['postgres-password']).to.match(/\$.*["'\\`#]/);
    expect(hostile?.options['postgres-user']).to.not.equal(typed({ title: '', options: {} }, 'postgresUser'));
    expect(hostile?.options['web-port']).to.not.equal(typed({ title: '', options: {} }, 'webPort'));
    expect(MATRIX.some(entry => entry.options.prod === true)).to.equal(true);
  });

  it('takes each way HTTPS reaches production (--https off, proxy and auto)', () => {
    const modes = MATRIX.filter(entry => entry.options.prod === true).map(entry => typed(entry, 'https'));
    expect([...new Set(modes)].sort()).to.deep.equal(['auto', 'off', 'proxy']);
  });
});

const projects = (() => {
  let started: Array<Promise<ProjectUnderTest>> | undefined;
  return () => (started ??= generateMatrix(MATRIX));
})();

MATRIX.forEach((entry, index) => {
  describe(`project with ${entry.title}`, () => {
    let project: ProjectUnderTest | undefined;
    let failed = false;
    before(async function () {
      this.timeout(120_000);
      project = await projects()[index];
    });
    afterEach(function () {
      if (this.currentTest?.state !== 'passed') failed = true;
    });
    // A project that failed a check stays on disk (its path is in the messages) to be looked at.
    after(() => {
      if (!failed) project?.remove();
    });

    const prod = entry.options.prod === true;
    for (const file of COMPOSE_FILES.filter(name => prod || name === 'docker-compose.yml')) {
      describeCompose(entry, file, () => project!);
      describeDockerfiles(file, () => project!);
    }
    describeShell(() => project!);
    if (prod) describeNginx(() => project!);
    if (prod && typed(entry, 'https') === 'auto') describeCaddy(entry, () => project!);
    describePython(entry, () => project!);
    describeWorkflow(prod, () => project!);
    describeQuality(entry, () => project!);
  });
});

function describeCompose(entry: MatrixEntry, file: ComposeFile, project: () => ProjectUnderTest): void {
  const local = file === 'docker-compose.yml';
  const config = () => project().composeConfig(file);
  describe(file, () => {
    it('passes docker-compose config from the project folder, with no warning', async () => {
      expectQuietSuccess(await project().composeConfigText(file));
    });

    // With automatic HTTPS Caddy is the way in: 80 (the CA's challenge, redirects), 443 and 443/udp (HTTP/3).
    const auto = !local && typed(entry, 'https') === 'auto';
    const ports: Record<string, string[]> = local
      ? { web: [typed(entry, 'webPort')], flower: [typed(entry, 'flowerPort')], mailpit: [typed(entry, 'mailPort')] }
      : auto
        ? { caddy: ['80', '443', '443/udp'] }
        : { nginx: [typed(entry, 'nginxPort')] };
    const portsTitle = Object.entries(ports)
      .map(([service, published]) => `${service} on ${published.join(', ')}`)
      .join(' and ');
    it(`publishes ${portsTitle}, and no other port`, async () => {
      const resolved = await config();
      const udp = Object.entries(resolved.services).flatMap(([name, service]) =>
        (service.ports ?? []).filter(port => port.protocol === 'udp').map(port => `${name} ${port.published}/udp`),
      );
      const udpListed = Object.entries(ports).flatMap(([name, list]) =>
        list.filter(port => port.endsWith('/udp')).map(port => `${name} ${port}`),
      );
      expect(udp, 'UDP ports').to.deep.equal(udpListed);
      const withoutProtocol = Object.entries(ports).map(([name, list]) => [name, list.map(port => port.split('/')[0])]);
      expect(publishedPorts(resolved)).to.deep.equal(Object.fromEntries(withoutProtocol));
    });

    /** Each published port's service and the host address it is bound to. */
    const hostBindings = async () =>
      Object.entries((await config()).services).flatMap(([name, service]) =>
        (service.ports ?? []).map(port => `${name}: ${port.host_ip ?? 'every interface'}`),
      );

    if (!local && auto) {
      it('publishes caddy on every interface, and nginx on none (--https auto: Caddy is the way in)', async () => {
        expect(await hostBindings()).to.deep.equal(Array(3).fill('caddy: every interface'));
      });
    } else if (!local) {
      const loopback = entry.options['nginx-loopback'] === true;
      it(
        loopback
          ? "publishes nginx on this host's loopback only (--nginx-loopback)"
          : 'publishes nginx on every interface',
        async () => {
          const bindings = await hostBindings();
          expect(bindings).to.deep.equal([`nginx: ${loopback ? '127.0.0.1' : 'every interface'}`]);
        },
      );
    }

    if (local) {
      const publishAll = entry.options['publish-all'] === true;
      it(
        publishAll
          ? 'publishes every port on every interface (--publish-all)'
          : 'publishes every port on 127.0.0.1 only',
        async () => {
          const bindings = await hostBindings();
          expect(bindings).to.have.length(3);
          for (const binding of bindings)
            expect(binding).to.match(publishAll ? /: every interface$/ : /: 127\.0\.0\.1$/);
        },
      );

      it('runs a Mailpit mail catcher, which the Django services send their mail to (EMAIL_HOST, port 1025)', async () => {
        const resolved = await config();
        const mailpit = serviceRunning(resolved, 'axllent/mailpit');
        expect(mailpit, 'a service runs the axllent/mailpit image').to.be.a('string');
        expect(resolved.services[mailpit!].image).to.match(/^axllent\/mailpit:v\d+\.\d+\.\d+$/);
        for (const name of DJANGO_SERVICES) {
          const django = environmentOf(resolved.services[name]);
          expect([django.EMAIL_HOST, django.EMAIL_PORT], name).to.deep.equal([mailpit, '1025']);
          expect(resolved.services[name].depends_on, name).to.have.property(mailpit!);
        }
      });

      it('runs the worker and beat under watchfiles, restarting on Python files except migrations and uploads, installed from requirements-dev.txt', async () => {
        const resolved = await config();
        const builds = await project().builds(file);
        for (const name of ['celery_worker', 'celery_beat']) {
          const build = builds.find(candidate => candidate.services.includes(name))!;
          const { build: image } = project().image(build);
          const script = image.files.get(resolved.services[name].command?.[0] ?? '');
          expect(script, `${name} runs a script of its image`).to.not.equal(undefined);
          const text = joinedLines(readFileSync(join(build.context, script!.source), 'utf8'));
          const reload = RELOAD.exec(text);
          expect(reload, `${script!.source} execs watchfiles`).to.not.equal(null);
          expect(reload![1].split(',')).to.include.members(['polls/migrations', 'mediafiles']);
          // A code edit lets the worker finish its running tasks before watchfiles kills it.
          if (name === 'celery_worker') expect(text, script!.source).to.contain('--sigint-timeout ');
          expect(image.files.get('/requirements-dev.txt'), 'the image holds requirements-dev.txt').to.not.equal(
            undefined,
          );
        }
        expect(project().read('requirements-dev.txt'))
          .to.match(/^-r requirements\.txt$/m)
          .and.to.match(/^watchfiles==\d+\.\d+\.\d+$/m);
        expect(project().read('compose/local/django/Dockerfile')).to.match(
          /pip install [^\n]*-r \/requirements-dev\.txt/,
        );
        expect(project().read('requirements.txt')).not.to.contain('watchfiles');
      });

      it("runs web, worker, beat and Flower as the host user (HOST_UID and HOST_GID, 1000 by default), so nothing they write into the project is root's", async () => {
        const byDefault = await config();
        const exported = await project().composeConfig(file, HOST_USER_SET);
        for (const name of DJANGO_SERVICES) {
          expect(byDefault.services[name].user, name).to.equal('1000:1000');
          expect(exported.services[name].user, name).to.equal('1234:5678');
        }
      });
    }

    it('publishes each port onto the one its process listens on in the container', async () => {
      const resolved = await config();
      const builds = await project().builds(file);
      for (const [name, service] of Object.entries(resolved.services)) {
        const imagePorts = IMAGE_PORTS[service.image?.split(':')[0] ?? ''];
        if (!service.build && imagePorts) {
          for (const port of service.ports ?? [])
            expect(imagePorts, `${name} publishes ${port.target}`).to.include(port.target);
          continue;
        }
        const build = builds.find(candidate => candidate.services.includes(name));
        // Caddy listens where its configuration says: `caddy adapt` of the Caddyfile its image holds.
        if (build && project().image(build).build.files.has(CADDYFILE)) {
          const adapted = await project().caddy('adapt');
          expect(adapted.status, describeRun(adapted)).to.equal(0);
          const listening = caddyListening(JSON.parse(adapted.stdout) as CaddyConfig);
          for (const port of service.ports ?? [])
            expect(listening, `${name} publishes ${port.target}/${port.protocol}`).to.include(
              `${port.target}/${port.protocol ?? 'tcp'}`,
            );
          continue;
        }
        for (const port of service.ports ?? []) {
          expect(
            build,
            `${name} publishes ${port.target} but is not built here, so nothing says what listens`,
          ).to.not.equal(undefined);
          const { build: image } = project().image(build!);
          const ownFiles = [...image.files.values()].filter(copied => !copied.fromFolder);
          const listening = ownFiles.filter(copied =>
            new RegExp(`(?<![\\d.])${port.target}(?!\\d)`).test(
              readFileSync(join(build!.context, copied.source), 'utf8'),
            ),
          );
          expect(
            listening.map(copied => copied.source),
            `${name} publishes container port ${port.target}, but no script or configuration its image holds names it (${ownFiles.map(copied => copied.source).join(', ')})`,
          ).to.not.be.empty;
        }
      }
    });

    const credentials = CREDENTIALS[local ? 'local' : 'production'];
    const credentialsTitle = local
      ? 'docker-compose config resolves POSTGRES_DB, POSTGRES_USER and POSTGRES_PASSWORD exactly as typed'
      : 'docker-compose config resolves POSTGRES_DB and APP_DB_USER as typed, a generated APP_DB_PASSWORD, and a superuser of its own with another generated password';
    it(credentialsTitle, async () => {
      const resolved = await config();
      const db = serviceRunning(resolved, 'postgres');
      expect(db, 'a service runs the postgres image').to.be.a('string');
      const environment = environmentOf(resolved.services[db!]);
      for (const [postgres, , answer] of credentials) {
        if (local || answer !== 'postgresPassword')
          expect(environment[postgres], postgres).to.equal(typed(entry, answer));
        else expect(environment[postgres], postgres).to.match(/^\S{32,}$/);
      }
      if (!local) {
        expect(environment.POSTGRES_USER, 'the superuser').to.equal(
          typed(entry, 'postgresUser') === 'postgres' ? 'postgres_admin' : 'postgres',
        );
        expect(environment.POSTGRES_PASSWORD, "the superuser's password")
          .to.match(/^\S{32,}$/)
          .and.not.equal(environment.APP_DB_PASSWORD);
      }
    });

    it(`gives ${DJANGO_SERVICES.join(', ')} the db service's ${local ? 'POSTGRES_*' : 'POSTGRES_DB and APP_DB_*'} as SQL_*, byte for byte, and its host`, async () => {
      const resolved = await config();
      const db = serviceRunning(resolved, 'postgres')!;
      const postgres = environmentOf(resolved.services[db]);
      for (const name of DJANGO_SERVICES) {
        expect(resolved.services, `${file} has a ${name} service`).to.have.property(name);
        const django = environmentOf(resolved.services[name]);
        for (const [postgresKey, sqlKey] of credentials) {
          expect(django[sqlKey], `${name}: ${sqlKey} must equal the db's ${postgresKey}`).to.equal(
            postgres[postgresKey],
          );
        }
        expect(django.SQL_HOST, `${name}: SQL_HOST`).to.equal(db);
        expect(django.SQL_PORT, `${name}: SQL_PORT`).to.equal('5432');
      }
    });

    it('makes every service that uses Postgres or Redis wait until they are healthy', async () => {
      const resolved = await config();
      const db = serviceRunning(resolved, 'postgres')!;
      const redis = serviceRunning(resolved, 'redis');
      expect(redis, 'a service runs the redis image').to.be.a('string');
      for (const dependency of [db, redis!]) {
        const test = resolved.services[dependency].healthcheck?.test ?? [];
        expect(test[0], `${dependency} has a healthcheck`).to.be.oneOf(['CMD', 'CMD-SHELL']);
      }
      for (const [name, service] of Object.entries(resolved.services)) {
        const values = Object.values(environmentOf(service));
        const uses = [
          ...(environmentOf(service).SQL_HOST === db ? [db] : []),
          ...(values.some(value => new RegExp(`^rediss?://([^@/]*@)?${redis}[:/]`).test(value)) ? [redis!] : []),
        ];
        for (const dependency of uses) {
          expect(
            service.depends_on?.[dependency]?.condition,
            `${name} uses ${dependency}: it must depend on it being healthy`,
          ).to.equal('service_healthy');
        }
      }
    });

    it("rotates every service's logs (the local driver, or json-file with a size cap)", async () => {
      const unbounded = Object.entries((await config()).services)
        .filter(([, service]) => {
          const { driver, options = {} } = service.logging ?? {};
          return !(driver === 'local' || (driver === 'json-file' && options['max-size'] !== undefined));
        })
        .map(
          ([name, service]) =>
            `${name}: ${JSON.stringify(service.logging ?? 'the engine default (json-file, no cap)')}`,
        );
      expect(unbounded).to.deep.equal([]);
    });

    it('gives Postgres 256 MB of /dev/shm, at least 60 s to shut down cleanly, and a healthcheck over TCP with a start period', async () => {
      const resolved = await config();
      const db = resolved.services[serviceRunning(resolved, 'postgres')!];
      expect(db.shm_size, 'shm_size').to.equal(String(256 * 1024 * 1024));
      expect(durationSeconds(db.stop_grace_period ?? '10s'), 'stop_grace_period (Docker: 10 s)').to.be.at.least(60);
      expect(durationSeconds(db.healthcheck?.start_period ?? '0s'), 'healthcheck start_period').to.be.at.least(60);
      const [kind, command] = db.healthcheck?.test ?? [];
      expect(kind).to.equal('CMD-SHELL');
      expect(command, 'pg_isready over TCP (--host 127.0.0.1), not the socket').to.match(
        /^pg_isready (--host|-h) 127\.0\.0\.1 /,
      );
    });

    it("keeps Redis's data in a named volume at /data (no anonymous volume left behind by `down`)", async () => {
      const resolved = await config();
      const redis = resolved.services[serviceRunning(resolved, 'redis')!];
      const named = (redis.volumes ?? [])
        .filter(volume => volume.type === 'volume' && volume.source)
        .map(volume => `${volume.source}:${volume.target}`);
      expect(named).to.deep.equal(['redis_data:/data']);
    });

    const scaling = local ? ['celery_worker'] : ['web', 'celery_worker'];
    it(`lets ${scaling.join(' and ')} scale: no container_name, no fixed host port`, async () => {
      const resolved = await config();
      for (const name of scaling) {
        expect(resolved.services, `${file} has a ${name} service`).to.have.property(name);
        expect(resolved.services[name].container_name, `${name}: container_name`).to.equal(undefined);
        expect(
          (resolved.services[name].ports ?? []).filter(port => port.published),
          `${name}: published ports`,
        ).to.be.empty;
      }
    });

    if (!local) {
      it("the README's first deploy and compose/production/redeploy use Compose's own commands (their flags exist); a redeploy pulls the images, builds on fresh base images and scales web up beside the old", () => {
        const first = [...readmeSection(project(), 'First deploy').matchAll(/^\s*docker compose (.+?)(?: &&)?$/gm)].map(
          match => match[1],
        );
        expect(first).to.include(`-f ${file} build --pull`);
        expect(readmeSection(project(), 'Redeploy')).to.match(/^bash compose\/production\/redeploy$/m);
        // The script's calls of its compose() function (docker compose -f FILE ...), its
        // continued lines joined, with the values its variables hold for one old and one new web.
        const script = project()
          .read('compose/production/redeploy')
          .replace(/\\\n\s*/g, '');
        expect(script).to.match(new RegExp(`^\\s*docker compose -f ${file.replaceAll('.', '\\.')} "\\$@"$`, 'm'));
        // Of `run` and `exec`, their own flags and the service: what follows is its command's.
        const valued = script.replaceAll('"web=$((${#old[@]} + replicas))"', 'web=2');
        const redeploy = [...valued.matchAll(/\bcompose ((?:pull|build|run|ps|up|exec|rm)\b[^;|)\n]*)/g)].map(match => {
          const line = match[1].trim();
          const words = line.split(' ');
          if (!['run', 'exec'].includes(words[0])) return line;
          return words.slice(0, words.findIndex((word, at) => at > 0 && !word.startsWith('-')) + 1).join(' ');
        });
        for (const line of redeploy) expect(line, 'a command this test can read').to.not.match(/[$"']/);
        expect(redeploy).to.include.members([
          'exec -T nginx',
          'rm -f web',
          'run --rm backup',
          'pull --ignore-buildable',
          'build --pull',
          'up -d --no-deps --no-recreate --scale web=2 web',
          'up -d',
        ]);
        // Compose checks a command's flags before it answers --help, at once and with no engine:
        // run here, not queued behind the tier's heavy runs.
        const lines = [...first, ...redeploy.map(line => `-f ${file} ${line}`)];
        // `run` and `exec` pass what follows the service on to its command: only their own flags then.
        const helpOf = (line: string) => {
          const words = line.split(' ');
          if (!['run', 'exec'].includes(words[2])) return [...words, '--help'];
          const service = words.findIndex((word, at) => at > 2 && !word.startsWith('-'));
          return [...words.slice(0, service), '--help'];
        };
        for (const line of lines.filter(command => /^-f \S+ (pull|build|run|ps|up|exec|rm)\b/.test(command))) {
          const result = runSync(join(TOOLS_BIN, 'docker-compose'), helpOf(line), {
            cwd: project().folder,
            env: { PATH: '/usr/bin:/bin', HOME: project().folder },
          });
          expect(result.status, `docker compose ${line}\n${describeRun(result)}`).to.equal(0);
        }
      });

      it("keeps beat's file schedule (its start script's --schedule) in a named volume, on a folder that its image makes and gives the django user; the database scheduler needs none", async () => {
        const resolved = await config();
        const beat = resolved.services.celery_beat;
        const build = (await project().builds(file)).find(candidate => candidate.services.includes('celery_beat'))!;
        const { dockerfile, build: image } = project().image(build);
        const start = image.files.get(String(beat.command?.[0]));
        expect(start, `beat's command ${beat.command?.[0]} is a script of the image`).to.not.equal(undefined);
        const script = project().read(start!.source);
        const schedule = /--schedule=([^\s'"]+)/.exec(script)?.[1];
        if (schedule === undefined) {
          expect(script, 'no schedule file: the database scheduler, which waits for its tables').to.contain(
            'manage.py migrate --check',
          );
          expect(beat.volumes ?? []).to.deep.equal([]);
          return;
        }
        const folder = dirname(schedule);
        const named = (beat.volumes ?? []).filter(volume => volume.type === 'volume' && volume.target === folder);
        expect(
          named.map(volume => volume.source),
          `a named volume on ${folder}`,
        ).to.have.length(1);
        const declared = (resolved as { volumes?: Record<string, unknown> }).volumes ?? {};
        expect(Object.keys(declared)).to.include(named[0].source);
        const runs = dockerfile.instructions.filter(instruction => instruction.keyword === 'RUN').map(run => run.args);
        const made = runs.find(args => new RegExp(`\\bmkdir -p\\b[^&]*\\s${folder}(\\s|$)`).test(args));
        expect(made, `a RUN that makes ${folder}`).to.be.a('string');
        expect(made).to.match(new RegExp(`\\bchown django:django\\b[^&]*\\s${folder}(\\s|$)`));
      });

      it('runs WEB_REPLICAS web and CELERY_WORKER_REPLICAS worker containers from the deploying shell, 1 of each without them', async () => {
        const replicas = (resolved: ComposeConfig) => ({
          web: resolved.services.web.deploy?.replicas,
          celery_worker: resolved.services.celery_worker.deploy?.replicas,
        });
        expect(replicas(await config())).to.deep.equal({ web: 1, celery_worker: 1 });
        expect(replicas(await project().composeConfig(file, REPLICAS_SET))).to.deep.equal({ web: 3, celery_worker: 4 });
      });
    }

    const postgresVersion = typed(entry, 'postgresVersion');
    // From 18 on, the postgres image keeps its data in a versioned folder under
    // /var/lib/postgresql and refuses to start with a volume at the old place.
    const dataPath = Number(postgresVersion) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
    it(`keeps the data of postgres ${postgresVersion} in a named volume at ${dataPath}`, async () => {
      const resolved: ComposeConfig = await config();
      const db = resolved.services[serviceRunning(resolved, 'postgres')!];
      expect(db.image).to.match(new RegExp(`^postgres:${postgresVersion}[-.]`));
      expect((db.volumes ?? []).filter(volume => volume.type === 'volume').map(volume => volume.target)).to.deep.equal([
        dataPath,
      ]);
    });
  });
}

function describeDockerfiles(file: ComposeFile, project: () => ProjectUnderTest): void {
  describe(`the Dockerfiles that ${file} builds`, () => {
    it('parse: known instructions, continuations, stages', async () => {
      const builds = await project().builds(file);
      expect(builds, `${file} builds no image`).to.not.be.empty;
      for (const build of builds) project().image(build);
    });

    it('copy only sources that are in the build context and not left out by .dockerignore', async () => {
      const problems = (await project().builds(file)).flatMap(build => project().image(build).build.problems);
      expect(problems.map(problem => problem.replace(`${project().folder}/`, ''))).to.deep.equal([]);
    });

    it("start from Debian trixie (-slim-trixie) where they install with apt-get, and install only packages that trixie's package index has, under those names", async () => {
      const problems: string[] = [];
      let installs = 0;
      for (const build of await project().builds(file)) {
        const { dockerfile } = project().image(build);
        const packages = aptInstalls(dockerfile);
        installs += packages.length;
        const where = (line: number) => `${project().relative(build.dockerfile)}:${line}`;
        if (packages.length > 0) {
          for (const stage of dockerfile.stages.filter(
            s => !dockerfile.stages.some(other => other.name === s.base.toLowerCase()),
          )) {
            if (!/-slim-trixie$/.test(stage.base))
              problems.push(
                `${project().relative(build.dockerfile)}: a stage starts from ${stage.base}, not a -slim-trixie image`,
              );
          }
        }
        for (const { line, name } of packages)
          if (!trixiePackages().has(name))
            problems.push(`${where(line)} installs ${name}, but Debian trixie has no package of that name`);
      }
      expect(installs, 'packages installed with apt-get').to.be.greaterThan(0);
      expect(problems).to.deep.equal([]);
    });

    it('put into the image, executable, every script that a command or entrypoint runs', async () => {
      const resolved = await project().composeConfig(file);
      const missing: string[] = [];
      for (const build of await project().builds(file)) {
        const { build: image } = project().image(build);
        const programs = [
          ...(image.entrypoint ? [['Dockerfile ENTRYPOINT', image.entrypoint[0]]] : []),
          ...build.services.flatMap(name => [
            [`${name}: command`, resolved.services[name].command?.[0]],
            [`${name}: entrypoint`, resolved.services[name].entrypoint?.[0]],
          ]),
        ].filter(
          (pair): pair is [string, string] =>
            typeof pair[1] === 'string' && pair[1].startsWith('/') && !pair[1].startsWith('/bin/'),
        );
        for (const [who, program] of programs) {
          const copied = image.files.get(program);
          if (!copied)
            missing.push(
              `${who} runs ${program}, which ${project().relative(build.dockerfile)} does not copy into the image`,
            );
          else if (!copied.executable)
            missing.push(`${who} runs ${program} (${copied.source}), which is not made executable`);
        }
      }
      expect(missing).to.deep.equal([]);
    });
  });
}

function describeShell(project: () => ProjectUnderTest): void {
  describe('the shell scripts under compose/', () => {
    it('pass shellcheck', async () => {
      expect(project().scripts(), 'scripts under compose/').to.not.be.empty;
      expectQuietSuccess(await project().shellcheck());
    });

    it('turn no shellcheck check off without a comment that says why', () => {
      const unexplained: string[] = [];
      for (const script of project().scripts()) {
        const lines = project().read(script).split('\n');
        lines.forEach((line, index) => {
          const directive = /#\s*shellcheck\s+.*\bdisable=[\w,]+(.*)$/.exec(line);
          if (!directive) return;
          const reasonAfter = /#\s*\S/.test(directive[1]);
          const above = lines[index - 1] ?? '';
          const reasonAbove = /^\s*#(?!\s*shellcheck\s)(?!!)\s*\S/.test(above);
          if (!reasonAfter && !reasonAbove) unexplained.push(`${script}:${index + 1}: ${line.trim()}`);
        });
      }
      expect(unexplained).to.deep.equal([]);
    });
  });
}

/** The text of the project README's section `### title`, up to the next one. */
function readmeSection(project: ProjectUnderTest, title: string): string {
  const readme = project.read('README.md');
  const start = readme.indexOf(`### ${title}\n`);
  if (start < 0) throw new Error(`README.md has no section "### ${title}"`);
  const end = readme.indexOf('\n### ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

function describeNginx(project: () => ProjectUnderTest): void {
  describe('nginx', () => {
    it('accepts compose/production/nginx/nginx.conf (nginx -t, laid out as the image lays it out)', async () => {
      const result = await project().nginxTest();
      const message = `${describeRun(result)}\n(its conf.d/ holds compose/production/nginx/nginx.conf, upstream hosts pointed at 127.0.0.1)`;
      expect(result.status, message).to.equal(0);
      expect(result.stderr, message).to.not.match(/\[(warn|emerg|alert|crit|error)\]/);
    });

    it('proxies only to services of docker-compose.prod.yml, on the ports they listen on', async () => {
      const conf = project().read('compose/production/nginx/nginx.conf');
      const resolved = await project().composeConfig('docker-compose.prod.yml');
      const builds = await project().builds('docker-compose.prod.yml');
      const targets = [
        ...conf.matchAll(/(?:\bserver\s+|\bproxy_pass\s+https?:\/\/|\bset\s+\$\w+\s+)([A-Za-z0-9_.-]+):(\d+)/g),
      ].map(match => [match[1], match[2]] as const);
      expect(targets, 'upstream servers in nginx.conf').to.not.be.empty;
      for (const [host, port] of targets) {
        expect(Object.keys(resolved.services), `nginx.conf proxies to ${host}:${port}`).to.include(host);
        const build = builds.find(candidate => candidate.services.includes(host))!;
        const { build: image } = project().image(build);
        const script = image.files.get(resolved.services[host].command?.[0] ?? '');
        expect(script, `${host} runs no script of its image`).to.not.equal(undefined);
        expect(
          readFileSync(join(build.context, script!.source), 'utf8'),
          `${script!.source} must listen on ${port}`,
        ).to.match(new RegExp(`(?<![\\d.])${port}(?!\\d)`));
      }
    });
  });
}

// These run on this machine's Python and Django stack (install-tools.sh: Python 3.11,
// Django 5.2), not on the image's Python and the pinned Django line: they prove the
// code, settings and tests, not the versions the image installs.
function describePython(entry: MatrixEntry, project: () => ProjectUnderTest): void {
  describe('Python and Django', () => {
    it('compiles every .py file', async () => {
      const result = await project().compileAll();
      expectQuietSuccess(result);
      expect(result.stdout, describeRun(result)).to.equal('');
    });

    it('passes manage.py check with the settings of docker-compose.yml', async () => {
      const result = await project().check();
      expectQuietSuccess(result);
      expect(result.stdout).to.match(/System check identified no issues \(0 silenced\)/);
    });

    if (entry.options.prod === true) {
      it('passes manage.py check --deploy with the settings of docker-compose.prod.yml and DJANGO_SECURE_PROXY=1, leaving no warning unexplained', async () => {
        const result = await project().checkDeploy(SECURE_PROXY_ON);
        expectQuietSuccess(result);
        const silenced = Number(/no issues \((\d+) silenced\)/.exec(result.stdout)?.[1] ?? NaN);
        expect(silenced, describeRun(result)).to.not.be.NaN;
        if (silenced > 0) {
          // A silenced check must be explained where it is silenced.
          const settings = project().read(`${typed(entry, 'projectName')}/settings.py`);
          expect(settings, 'a comment above SILENCED_SYSTEM_CHECKS says why').to.match(
            /#[^\n]*\n\s*SILENCED_SYSTEM_CHECKS\s*=/,
          );
        }
      });
    }

    const https = entry.options.prod === true ? typed(entry, 'https') : undefined;
    /** The checks the README's "HTTPS" section names. */
    const listedChecks = () => [...new Set(readmeSection(project(), 'HTTPS').match(/security\.W\d+/g) ?? [])].sort();
    const warnedChecks = (result: Ran) =>
      [...new Set((result.stdout + result.stderr).match(/security\.W\d+/g) ?? [])].sort();

    // Plain HTTP: .env/.prod as written with --https off, DJANGO_SECURE_PROXY=0 behind a TLS proxy.
    if (https === 'off' || https === 'proxy') {
      const plain = https === 'off' ? '.env/.prod as written (plain HTTP)' : 'DJANGO_SECURE_PROXY=0 (plain HTTP)';
      it(`warns in check --deploy, with ${plain}, of exactly the checks the README lists under "HTTPS"`, async () => {
        const result = await project().checkDeploy(https === 'off' ? {} : SECURE_PROXY_OFF);
        const warned = warnedChecks(result);
        expect(warned, describeRun(result)).to.not.be.empty;
        expect(warned, describeRun(result)).to.deep.equal(listedChecks());
      });
    }

    if (https === 'proxy' || https === 'auto') {
      it(`passes manage.py check --deploy with the settings of docker-compose.prod.yml and .env/.prod as written (--https ${https}: DJANGO_SECURE_PROXY=1)${https === 'auto' ? ', silencing only the checks the README names under "HTTPS"' : ''}`, async () => {
        expect(project().read('.env/.prod')).to.match(/^DJANGO_SECURE_PROXY=1$/m);
        const result = await project().checkDeploy();
        expectQuietSuccess(result);
        const silenced = Number(/no issues \((\d+) silenced\)/.exec(result.stdout)?.[1] ?? NaN);
        expect(silenced, describeRun(result)).to.not.be.NaN;
        if (https === 'auto') {
          const listed = listedChecks();
          expect(silenced, `silenced: ${listed.join(', ')}`).to.equal(listed.length);
          const settings = project().read(`${typed(entry, 'projectName')}/settings.py`);
          const names = /SILENCED_SYSTEM_CHECKS\s*=\s*\[([^\]]*)\]/.exec(settings)?.[1] ?? '';
          expect([...names.matchAll(/"([^"]+)"/g)].map(match => match[1]).sort()).to.deep.equal(listed);
        }
      });
    }

    if (entry.options['beat-scheduler'] === 'database') {
      it("keeps beat's schedules in the database, edited in the admin: django-celery-beat's models registered, their tables made by migrate", async () => {
        const result = await project().shell(
          'database beat',
          [
            'from django.core.management import call_command',
            'call_command("migrate", verbosity=0)',
            'from django.contrib import admin',
            'from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask',
            'print(all(admin.site.is_registered(model) for model in (PeriodicTask, IntervalSchedule, CrontabSchedule)), PeriodicTask.objects.count())',
          ].join('\n'),
        );
        expectSuccess(result);
        expect(result.stdout.trimEnd().split('\n').pop(), describeRun(result)).to.equal('True 0');
      });
    }

    it('needs no new migration (makemigrations --check --dry-run)', async () => {
      const result = await project().makemigrations();
      expectQuietSuccess(result);
      expect(result.stdout).to.match(/No changes detected/);
    });

    it("passes the project's own tests (manage.py test) with the settings of docker-compose.yml, on SQLite", async () => {
      const result = await project().tests();
      expectSuccess(result);
      expect(result.stderr, describeRun(result)).to.match(/^OK/m);
    });

    it("passes the project's own tests in a plain checkout: no env file, no service, no variable set", async () => {
      const result = await project().testsWithoutEnvironment();
      expectSuccess(result);
      expect(result.stderr, describeRun(result)).to.match(/^OK/m);
      expect(result.stderr, describeRun(result)).to.match(/^Ran [1-9]\d* tests?/m);
    });
  });
}
