// The generated stack's part of `npm run bench`, run with the runtime tier's machinery
// (in the Debian root of the image's Python, on the environment built from the lock;
// real Postgres, Redis, nginx; the project's own scripts): how long its
// services take to be ready, Celery's round-trip latency, and requests per second of
// the production page through nginx and gunicorn.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeProject } from '../../test/runtime/project.js';
import { Dnsmasq, HOST_PATH, httpGet, requireFreePort, start, stopAll, waitUntil } from '../../test/runtime/support.js';
import { installTools, TOOLS_BIN } from '../../test/support/tools.js';

const WEB_PORT = 8000;
const TASKS = 200;
const WRK_SECONDS = 10;

type Stats = (values: number[]) => number;

/**
 * Runs Python in the web service's environment; returns its last line of output. It runs
 * asynchronously: the services' output pipes must keep draining meanwhile, or a service
 * blocked on a full pipe would stall the measurement.
 */
async function python(app: RuntimeProject, code: string): Promise<string> {
  const client = app.startInRoot('python client', ['python', '-c', code], app.env('web'));
  await client.waitForExit(300_000);
  if (client.exitCode !== 0) throw new Error(`The Python client failed:\n${client.describe()}`);
  return client.output.trim().split('\n').pop() ?? '';
}

async function developmentStack(median: Stats, percentile: (values: number[], p: number) => number) {
  const app = new RuntimeProject({ options: { defaults: true } });
  try {
    await app.generate();
    await Promise.all([app.redis.start(), app.startDatabase()]);

    // Dev server: launch of entrypoint + start (migrations included) to the first 200.
    const webStarted = Date.now();
    app.startService('web');
    await waitUntil(
      'the dev server to answer 200',
      async () => (await httpGet(WEB_PORT, '/').catch(() => undefined))?.status === 200,
      120_000,
      () => '',
      50,
    );
    const webReadyMs = Date.now() - webStarted;

    // Worker: launch to the first answer to a ping, timed by a client polling every 100 ms.
    const workerStarted = Date.now() / 1000;
    app.startService('celery_worker');
    const pingMs = Number(
      await python(
        app,
        `import time
from ${app.name}.celery import app
while not app.control.ping(timeout=0.1):
    time.sleep(0.1)
print(round((time.time() - ${workerStarted}) * 1000))`,
      ),
    );

    // Round trips of a task that does nothing, through the generated settings and Redis.
    const latencies = JSON.parse(
      await python(
        app,
        `import json, time
from ${app.name}.celery import app  # configures Celery from the project's settings
from polls.tasks import heartbeat
heartbeat.delay().get(timeout=30)
samples = []
for _ in range(${TASKS}):
    started = time.perf_counter()
    heartbeat.delay().get(timeout=30)
    samples.append((time.perf_counter() - started) * 1000)
print(json.dumps(samples))`,
      ),
    ) as number[];
    return {
      webReadyMs,
      pingMs,
      taskMedianMs: median(latencies),
      taskP95Ms: percentile(latencies, 95),
      tasks: latencies.length,
    };
  } finally {
    await app.stop();
  }
}

/**
 * The production page through nginx and gunicorn, loaded by wrk. It runs asynchronously,
 * as `python` above: gunicorn writes an access line per request into a pipe that must
 * keep draining.
 */
async function pageLoad(port: number) {
  const proc = start(
    'wrk',
    'wrk',
    ['-t2', '-c16', `-d${WRK_SECONDS}s`, '-H', 'Host: localhost', `http://127.0.0.1:${port}/`],
    { env: { PATH: HOST_PATH } },
  );
  await proc.waitForExit((WRK_SECONDS + 30) * 1000);
  if (proc.exitCode !== 0) throw new Error(`wrk failed:\n${proc.describe()}`);
  const wrk = proc.output;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk)?.[1]),
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(wrk)?.[1] ?? 0),
    meanLatency: /Latency\s+(\S+)/.exec(wrk)?.[1],
  };
}

async function productionStack() {
  const app = new RuntimeProject({
    options: { defaults: true, prod: true },
    composeFiles: ['docker-compose.prod.yml'],
  });
  // nginx finds web through Docker's DNS, played here by dnsmasq; gunicorn binds every address.
  const dns = new Dnsmasq();
  try {
    await app.generate();
    mkdirSync(join(app.project, 'staticfiles'), { recursive: true });
    mkdirSync(join(app.project, 'mediafiles'), { recursive: true });
    await Promise.all([app.redis.start(), app.startDatabase()]);
    await app.runInService('web', ['python', 'manage.py', 'migrate', '--noinput']);
    const web = app.startService('web');
    await web.waitFor(/Listening at: http:\/\/0\.0\.0\.0:8000/, 120_000);
    await dns.start({ web: '127.0.0.1' });
    const { port } = await app.startNginx();
    const headers = { Host: 'localhost' };
    await waitUntil(
      'nginx to answer 200',
      async () => (await httpGet(port, '/', headers).catch(() => undefined))?.status === 200,
      30_000,
    );
    // The page asks Celery for a ping: measured with no worker, then with one answering.
    const none = await pageLoad(port);
    const worker = app.startService('celery_worker');
    await worker.waitFor(/celery@\S+ ready\./, 120_000);
    // Past the answers gunicorn's processes kept from before (CACHE_SECONDS in polls/views.py).
    await new Promise(resolve => setTimeout(resolve, 6000));
    const up = await pageLoad(port);
    return { none, up, seconds: WRK_SECONDS, connections: 16 };
  } finally {
    await app.stop();
    await dns.stop();
  }
}

export async function benchStack({
  median,
  percentile,
}: {
  median: Stats;
  percentile: (values: number[], p: number) => number;
}) {
  if (!existsSync(join(TOOLS_BIN, 'in-root'))) {
    console.error('Generated stack: skipped, the tools are not installed (bash scripts/install-tools.sh).');
    return {
      skipped: 'tools not installed: bash scripts/install-tools.sh',
      rows: [['generated stack', 'not measured: run bash scripts/install-tools.sh', '', '', '', '']],
    };
  }
  installTools();
  await requireFreePort(WEB_PORT, 'the dev server and gunicorn (port 8000, as in their containers)');
  console.error('Generated stack: development services, then production behind nginx...');
  try {
    const development = await developmentStack(median, percentile);
    const production = await productionStack();
    const rows = [
      ['dev server: launch to first 200 (ms)', String(development.webReadyMs), '', '', '', ''],
      ['worker: launch to first ping answer (ms)', String(development.pingMs), '', '', '', ''],
      [
        `task round trip, ${development.tasks} tasks (ms)`,
        development.taskMedianMs.toFixed(2),
        `p95 ${development.taskP95Ms.toFixed(2)}`,
        '',
        '',
        '',
      ],
      ...(['none', 'up'] as const).map(state => [
        `nginx + gunicorn, wrk ${production.seconds} s x ${production.connections} conn, ${state === 'up' ? 'a worker up' : 'no worker'} (req/s)`,
        production[state].rps.toFixed(0),
        `latency ${production[state].meanLatency}`,
        `non-2xx ${production[state].non2xx}`,
        '',
        '',
      ]),
    ];
    return { development, production, rows };
  } finally {
    await stopAll();
  }
}
