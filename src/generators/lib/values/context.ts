// The values templates lay out, computed once from the answers: templates hold no logic
// beyond loops and conditions, and receive every value already quoted for its file.
import { createHash } from 'node:crypto';
import {
  answerSpec,
  splitHosts,
  type AppAnswers,
  type KubernetesAnswers,
  type ProdAnswers,
} from '../answers/answers.js';
import { commandOf } from '../answers/command.js';
import { composeYamlValue, envValue } from './quoting.js';
import { readLock } from './locks.js';
import { postgresVolume } from '../run/upgrade.js';
import {
  type BeatScheduler,
  DEV_TOOL_PINS,
  DJANGO_PINS,
  MAILPIT_IMAGE,
  NGINX_IMAGE,
  CADDY_IMAGE,
  PACKAGE_PINS,
  postgresDataPath,
  PRE_COMMIT_REVS,
  WATCHFILES_PINS,
} from './versions.js';

/** The answers a project is written from: production's are there when it is on. */
export type ProjectAnswers = AppAnswers & Partial<ProdAnswers> & Partial<KubernetesAnswers>;

/** The project name as Docker names accept it: no leading, trailing or doubled underscore. */
function dockerName(projectName: string): string {
  return projectName.split('_').filter(Boolean).join('_') || 'project';
}

/**
 * The HTTPS origins of the allowed hosts, for CSRF_TRUSTED_ORIGINS: `.example.com`
 * (the domain and its subdomains) gives `https://*.example.com`; `*` gives none.
 */
function csrfTrustedOrigins(hosts: readonly string[]): string[] {
  return hosts.filter(host => host !== '*').map(host => `https://${host.replace(/^\./, '*.')}`);
}

/** The scripts of a stack's Django image: where each lies in the project, and where the image puts it. */
const SCRIPTS = [
  ['entrypoint', '/entrypoint'],
  ['start', '/start'],
  ['celery/worker/start', '/start-celeryworker'],
  ['celery/beat/start', '/start-celerybeat'],
  ['celery/flower/start', '/start-flower'],
] as const;

/**
 * Writes that are Python files but not code the worker runs: watchfiles does not
 * restart Celery for them (it already skips __pycache__ and every non-Python file).
 */
const RELOAD_IGNORED = ['polls/migrations', 'mediafiles', 'staticfiles'];

/**
 * Beat's schedule file (when each periodic task last ran), per stack: outside the
 * project folder, which development mounts from the host. Production's lies in a named
 * volume, the folder the image makes for it: a recreate (each redeploy) keeps it, where
 * an interval task would otherwise start its count again, and never run if redeploys
 * come more often than it.
 */
const BEAT_SCHEDULE = { local: '/tmp/celerybeat-schedule', production: '/var/lib/celerybeat/schedule' } as const;
/** The named volume of production's beat schedule, at the folder of BEAT_SCHEDULE.production. */
const BEAT_VOLUME = { name: 'celerybeat_data', path: '/var/lib/celerybeat' } as const;
/** The file beat's scheduler touches at each tick (<project>/beat.py), which its healthcheck reads. */
const BEAT_TICK_FILE = '/tmp/celerybeat-tick';

/**
 * How long things may take, in seconds: the settings, the start scripts and the Compose
 * file read them from here, so that each stop grace period covers what it waits for and
 * every task ends before the broker would hand it to a second worker.
 */
export const LIMITS = {
  /** Redis hands a task not acknowledged within this time to another worker. */
  visibilityTimeout: 3600,
  /** A task gets SoftTimeLimitExceeded after this, and its process is killed after taskTimeLimit. */
  taskSoftTimeLimit: 300,
  taskTimeLimit: 360,
  /** gunicorn lets requests in flight finish for this long after SIGTERM. */
  gunicornGracefulTimeout: 30,
  /** How long the entrypoint waits for Postgres by default (SQL_WAIT_SECONDS). */
  postgresWait: 60,
  /**
   * Development's own (.env/.dev-sample), the same rule lower, so that a killed task comes
   * back within a minute, not an hour. On a code edit watchfiles lets the worker finish
   * its running tasks (Celery's warm shutdown on SIGINT) for the hard limit and
   * reloadMargin before it sends SIGKILL: past the visibility timeout, so the next worker
   * puts back at its start (kombu looks then, and every 100 s after) what was killed.
   */
  development: { visibilityTimeout: 30, taskSoftTimeLimit: 20, taskTimeLimit: 25, reloadMargin: 10 },
  /**
   * The db service's healthcheck start period (a first start or a crash recovery) and
   * the time it gets to shut down cleanly, per stack: production's data is larger.
   */
  postgres: {
    local: { startPeriod: '120s', stopGrace: '60s' },
    production: { startPeriod: '300s', stopGrace: '120s' },
  },
  /** Beat's file scheduler ticks at least this often (django-celery-beat's: every 5 s). */
  beatMaxInterval: 30,
  /** Beat's healthcheck fails when its last tick is older than this (CELERY_BEAT_STALE_SECONDS): four ticks. */
  beatStale: 120,
  /**
   * How long compose/production/redeploy waits for new web containers to be healthy
   * (REDEPLOY_WAIT_SECONDS): past web's healthcheck start period (60 s) and its retries.
   */
  redeployWait: 180,
  /**
   * How long it then waits, at most, for nginx's worker processes from before its reload
   * to answer the requests they hold (routed to the old web only): past gunicorn's
   * worker timeout (30 s, its default), the longest a request runs.
   */
  nginxDrain: 40,
} as const;

/** Compose's stop_grace_period of each service that has work in flight: its own limit and a margin. */
const STOP_GRACE = {
  web: `${LIMITS.gunicornGracefulTimeout + 10}s`,
  celeryWorker: `${LIMITS.taskTimeLimit + 30}s`,
};

/** What tells one stack's Django image and scripts from the other's. */
function stack(name: 'local' | 'production') {
  const production = name === 'production';
  return {
    name,
    scripts: SCRIPTS.map(([path, image]) => ({ source: `compose/${name}/django/${path}`, image })),
    /** Production's Flower is served by nginx under /flower/. */
    flowerOptions: production ? '--port=5555 --url_prefix=flower' : '--port=5555',
    envFile: production ? '.env/.prod' : '.env/.dev-sample',
    beatSchedule: BEAT_SCHEDULE[name],
    /** Development restarts the Celery worker and beat when a Python file of the project changes. */
    reload: production
      ? undefined
      : `watchfiles --filter python --ignore-paths ${RELOAD_IGNORED.join(',')} --target-type command`,
  };
}

/**
 * A /24 of its own for a production stack's network, the same at every run for the same
 * Compose project: in 172.24.0.0/13, the end of Docker's default pools (172.17 to 172.31,
 * taken from the start), so that it seldom meets a network Docker made by itself.
 */
function stackSubnet(composeProject: string): string {
  const digest = createHash('sha256').update(composeProject).digest();
  return `172.${24 + (digest[0] % 8)}.${digest[1]}.0/24`;
}

/** A /24 for the network of Caddy and nginx (automatic HTTPS), fixed as `subnet` is, and never the same. */
function edgeSubnet(composeProject: string, subnet: string): string {
  const edge = stackSubnet(`${composeProject}_edge`);
  if (edge !== subnet) return edge;
  const [a, b, c] = edge.split('.').map(Number);
  return `${a}.${b}.${(c + 1) % 256}.0/24`;
}

/** The values of the production files (secrets aside: the prod generator keeps them). */
function productionContext(answers: ProjectAnswers) {
  const { allowedHosts, flowerUser } = answers;
  // With automatic HTTPS nginx's port is neither asked nor stored: CI alone publishes it.
  const nginxPort = answers.nginxPort ?? (answers.https === 'auto' ? answerSpec('nginxPort').default : undefined);
  if (nginxPort === undefined || allowedHosts === undefined || flowerUser === undefined) {
    throw new Error(
      `.yo-rc.json says prod but holds no production answers: run \`${commandOf('prod')}\` in this folder.`,
    );
  }
  const hosts = splitHosts(allowedHosts);
  const name = dockerName(answers.projectName);
  const https = answers.https ?? 'off';
  const auto = https === 'auto';
  const subnet = stackSubnet(`${name}_prod`);
  const edge = edgeSubnet(`${name}_prod`, subnet);
  return {
    nginxPort,
    /** How HTTPS reaches the site: not yet, through a TLS proxy in front, or Caddy's automatic certificates. */
    https,
    auto,
    /**
     * nginx's port as Compose publishes it: on every interface, or on loopback only (a TLS
     * proxy on this host in front); with automatic HTTPS on none (Caddy is the way in).
     */
    nginxPublish: auto ? undefined : answers.nginxLoopback ? `127.0.0.1:${nginxPort}:80` : `${nginxPort}:80`,
    nginxLoopback: !auto && answers.nginxLoopback === true,
    flowerUser,
    /** Compose project of docker-compose.prod.yml: apart from the development one. */
    composeProject: `${name}_prod`,
    djangoImage: `${name}_production_django`,
    nginxImage: `${name}_production_nginx`,
    caddyImage: `${name}_production_caddy`,
    /** Automatic HTTPS: the sites Caddy gets certificates for, and from where. */
    caddy: { sites: hosts.join(', '), email: answers.acmeEmail ?? '', ca: answers.acmeCa ?? '' },
    /** The backup service's image: db's image and the backup scripts. */
    backupImage: `${name}_production_postgres`,
    stopGrace: STOP_GRACE,
    /** Redis's memory cap (--maxmemory): it refuses new tasks beyond it. */
    redisMaxMemory: '512mb',
    /** The stack's own network, whose addresses nginx trusts as a TLS proxy's. */
    subnet,
    /** With automatic HTTPS, the network of Caddy and nginx alone, whose addresses nginx trusts as a TLS proxy's. */
    edgeSubnet: edge,
    /** What nginx trusts X-Forwarded-Proto from: Caddy's network, or the whole stack network (a proxy in front). */
    trustedProxies: auto ? edge : subnet,
    /** Whether http://localhost reaches the site, as the README's first visit says. */
    localTrial: hosts.includes('localhost') || hosts.includes('*'),
    /** Otherwise, the host name the README's trial sends (`.example.com` is tried as example.com). */
    trialHost: (hosts.find(host => host !== '*') ?? 'localhost').replace(/^\./, ''),
    hostList: hosts.map(host => `\`${host}\``).join(', '),
    /** Values of .env/.prod and .env/.prod.db, quoted for them. */
    env: {
      DJANGO_ALLOWED_HOSTS: envValue(hosts.join(' ')),
      DJANGO_CSRF_TRUSTED_ORIGINS: envValue(csrfTrustedOrigins(hosts).join(' ')),
      SQL_DATABASE: envValue(answers.postgresDb),
      SQL_USER: envValue(answers.postgresUser),
      POSTGRES_ADMIN: envValue(databaseAdmin(answers.postgresUser)),
      CELERY_FLOWER_USER: envValue(flowerUser),
      /** On once HTTPS arrives through a TLS proxy or Caddy. */
      DJANGO_SECURE_PROXY: https === 'off' ? '0' : '1',
    },
    /** The superuser that production's database is created with; Django connects as postgresUser. */
    databaseAdmin: databaseAdmin(answers.postgresUser),
  };
}

/** Resources of each container of the Kubernetes manifests: what the scheduler reserves, and the most it may use. */
const KUBERNETES_RESOURCES = {
  web: { requests: { cpu: '250m', memory: '384Mi' }, limits: { cpu: '1', memory: '768Mi' } },
  worker: { requests: { cpu: '250m', memory: '384Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  beat: { requests: { cpu: '50m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
  flower: { requests: { cpu: '50m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
  nginx: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  init: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  postgres: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
  redis: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '768Mi' } },
} as const;

/** The Kubernetes manifests' values (k8s/), from production's and the kubernetes generator's answers. */
function kubernetesContext(answers: ProjectAnswers) {
  const { imageRegistry, imageName, imageTag, ingressHost, ingressClass } = answers;
  if (
    imageRegistry === undefined ||
    imageName === undefined ||
    imageTag === undefined ||
    ingressHost === undefined ||
    ingressClass === undefined
  ) {
    throw new Error(
      `.yo-rc.json says kubernetes but holds no Kubernetes answers: run \`${commandOf('kubernetes')}\` in this folder.`,
    );
  }
  const repository = imageName || answers.projectName.replace(/_+/g, '-').replace(/^-|-$/g, '');
  return {
    /** The Django image, without its tag (kustomize's `images` sets the tag). */
    image: `${imageRegistry}/${repository}`,
    imageTag,
    /** A Job's template cannot change once it exists: each release has a migration Job of its own. */
    migrateJob: `migrate-${imageTag.replace(/\./g, '-')}`,
    /** How long a finished migration Job (and its logs) stays. */
    migrateTtl: 600,
    ingressHost,
    ingressClass,
    /** The namespace of the overlays. */
    namespace: answers.projectName.replace(/_+/g, '-').replace(/^-|-$/g, ''),
    /**
     * Pods' grace after SIGTERM: web's covers the preStop pause (the Service stops sending
     * it requests) and gunicorn's graceful timeout; the worker's a task's hard time limit.
     */
    grace: {
      preStop: 5,
      web: 5 + LIMITS.gunicornGracefulTimeout + 10,
      worker: LIMITS.taskTimeLimit + 30,
    },
    resources: KUBERNETES_RESOURCES,
    /** The autoscalers' bounds and the CPU use they aim at. */
    autoscale: { web: { min: 2, max: 10 }, worker: { min: 2, max: 10 }, cpu: 70 },
  };
}

/**
 * The name of production's database superuser (POSTGRES_USER): the image creates it, and
 * Postgres keeps it a superuser, so Django's own role (`appRole`) must be another.
 */
function databaseAdmin(appRole: string): string {
  return appRole === 'postgres' ? 'postgres_admin' : 'postgres';
}

/** A development port as Compose publishes it: on 127.0.0.1 only, unless every interface is asked for. */
function publish(host: number, container: number, publishAll: boolean): string {
  return publishAll ? `${host}:${container}` : `127.0.0.1:${host}:${container}`;
}

/** Beat's scheduler: where it keeps its schedule, as beat's command line says it. */
function beat(scheduler: BeatScheduler, projectName: string) {
  const database = scheduler === 'database';
  return {
    /** django-celery-beat: its app in INSTALLED_APPS, its tables made by migrate, its schedules in the admin. */
    database,
    /** The scheduler; the file scheduler's schedule is the stack's (stack.beatSchedule). */
    options: `--scheduler=${projectName}.beat:Scheduler`,
    /** Production's named volume for the file scheduler's schedule. */
    volume: database ? undefined : BEAT_VOLUME,
    tickFile: BEAT_TICK_FILE,
    maxInterval: LIMITS.beatMaxInterval,
    staleSeconds: LIMITS.beatStale,
    /** Compose's healthcheck of beat: its last tick no older than CELERY_BEAT_STALE_SECONDS. */
    healthcheck: [
      'CMD',
      'python',
      '-c',
      `import os, sys, time; bound = float(os.environ.get('CELERY_BEAT_STALE_SECONDS') or ${LIMITS.beatStale}); tick = '${BEAT_TICK_FILE}'; age = time.time() - os.path.getmtime(tick) if os.path.exists(tick) else None; print('beat has not ticked yet' if age is None else f'beat last ticked {age:.0f} s ago (bound: {bound:g} s, CELERY_BEAT_STALE_SECONDS)'); sys.exit(age is None or age > bound)`,
    ],
  };
}

export function templateContext(answers: ProjectAnswers) {
  const { postgresDb, postgresUser, postgresPassword, publishAll } = answers;
  return {
    projectName: answers.projectName,
    /** The users app and AUTH_USER_MODEL = users.User. */
    customUser: answers.customUser,
    beat: beat(answers.beatScheduler, answers.projectName),
    /** Image of the development Django containers. */
    localImage: `${dockerName(answers.projectName)}_local_django`,
    webPort: answers.webPort,
    flowerPort: answers.flowerPort,
    mailPort: answers.mailPort,
    publishAll,
    hostUser: { uid: answers.hostUid, gid: answers.hostGid },
    /** The development stack's published ports, as docker-compose.yml lists them. */
    published: {
      web: publish(answers.webPort, 8000, publishAll),
      flower: publish(answers.flowerPort, 5555, publishAll),
      mail: publish(answers.mailPort, 8025, publishAll),
    },
    prod: answers.prod,
    postgresTimes: LIMITS.postgres,
    images: {
      python: `python:${answers.pythonVersion}-slim-trixie`,
      postgres: `postgres:${answers.postgresVersion}-alpine`,
      redis: `redis:${answers.redisVersion}-alpine`,
      nginx: NGINX_IMAGE,
      caddy: CADDY_IMAGE,
      mailpit: MAILPIT_IMAGE,
    },
    pins: {
      django: DJANGO_PINS[answers.djangoVersion],
      ...PACKAGE_PINS,
      watchfiles: WATCHFILES_PINS[answers.pythonVersion],
      ...DEV_TOOL_PINS,
    },
    /** pyproject.toml and .pre-commit-config.yaml: the project's tests, Ruff's target and the hooks' tags. */
    quality: {
      testPaths: ['polls', ...(answers.customUser ? ['users'] : [])],
      ruffTarget: `py${answers.pythonVersion.replace('.', '')}`,
      preCommit: PRE_COMMIT_REVS,
    },
    /** constraints.txt's pins: the lock of the project's Python and Django line. */
    lock: readLock(answers.pythonVersion, answers.djangoVersion, answers.beatScheduler).text.trimEnd(),
    djangoVersion: answers.djangoVersion,
    pythonVersion: answers.pythonVersion,
    postgresVersion: answers.postgresVersion,
    postgres: { db: postgresDb, user: postgresUser },
    postgresDataPath: postgresDataPath(answers.postgresVersion),
    /** The database's volume: one per major version (lib/run/upgrade), or postgres_data in a project that predates that. */
    postgresVolume: postgresVolume(answers),
    /** Values of docker-compose.yml, quoted for it. */
    devYaml: {
      POSTGRES_DB: composeYamlValue(postgresDb),
      POSTGRES_USER: composeYamlValue(postgresUser),
      POSTGRES_PASSWORD: composeYamlValue(postgresPassword),
    },
    stacks: { local: stack('local'), production: stack('production') },
    /** The folders holding a Dockerfile, for Dependabot's base-image updates. */
    dockerfileFolders: [
      'compose/local/django',
      ...(answers.prod ? ['compose/production/django', 'compose/production/nginx', 'compose/production/postgres'] : []),
      ...(answers.prod && answers.https === 'auto' ? ['compose/production/caddy'] : []),
    ],
    limits: LIMITS,
    /** The production variant's values, when it is on. */
    production: answers.prod ? productionContext(answers) : undefined,
    /** The Kubernetes manifests' values, when they are on. */
    kubernetes: answers.prod && answers.kubernetes ? kubernetesContext(answers) : undefined,
  };
}

export type TemplateContext = ReturnType<typeof templateContext>;
