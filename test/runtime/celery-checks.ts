// The checks of Flower, the worker and beat, the same for the development and the
// production scripts: each scenario calls this inside its describe().
import { expect } from 'chai';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { RuntimeProject } from './project.js';
import { builtDistributions, HOST_PYTHON, importableDistributions } from './roots.js';
import type { Proc } from './support.js';
import { commandLine, HOST_PATH, selfAndDescendants, sleep, tempDir, waitUntil } from './support.js';
import { describeRun, runOk } from '../support/run.js';

export const TASK_SUCCEEDED = (id: string) => new RegExp(`Task \\S+\\.divide\\[${id}\\] succeeded in [\\d.]+s: 0\\.5`);

/** The Celery worker's main process: the worker itself, or the one watchfiles runs (and restarts). */
export function celeryMain(proc: Proc): number {
  const found = selfAndDescendants(proc.pid).find(pid => {
    const command = commandLine(pid);
    return /\bcelery\b.*\bworker\b/.test(command) && !command.includes('watchfiles');
  });
  if (found === undefined) throw new Error(`No Celery worker process under ${proc.name}.\n${proc.describe()}`);
  return found;
}

/** Where a stale schedule may lie in the machine's /tmp, as development's beat keeps its own in a container's /tmp. */
const BEAT_SCHEDULE = '/tmp/celerybeat-schedule';

/** Where beat keeps its schedule in its container: its start script's `--schedule`. */
function beatSchedule(app: RuntimeProject): string {
  const script = app.serviceArgv('celery_beat').argv.at(-1)!;
  const text = readFileSync(isAbsolute(script) ? script : join(app.project, script), 'utf8');
  const path = /--schedule=([^\s'"]+)/.exec(text)?.[1];
  if (!path) throw new Error(`beat's start script (${script}) gives no --schedule: this test needs updating.`);
  return path;
}

/** The folder here that holds `path` of `beat`'s container: its /tmp, or a named volume's folder. */
function hostFolderOf(app: RuntimeProject, beat: Proc, path: string): string {
  const folder = dirname(path);
  if (folder === '/tmp') return app.containerOf(beat).tmp;
  const volume = app
    .volumes('celery_beat')
    .map(mount => mount.split(':'))
    .find(([, target]) => folder === target || folder.startsWith(`${target}/`));
  if (!volume)
    throw new Error(`beat's schedule ${path} is neither in its container's /tmp nor in a volume beat mounts.`);
  return join(volume[0], relative(volume[1], folder));
}

/**
 * Every file Celery beat's schedule may be: Python's shelve writes the best dbm it finds,
 * and reopens a file in whatever format it has: dbm.sqlite3 (the file itself, and its
 * journal), dbm.gnu (the file), dbm.ndbm (`.db`, or `.dir` and `.pag`), dbm.dumb (`.dat`,
 * `.dir`, `.bak`).
 */
function scheduleFiles(folder: string, base = basename(BEAT_SCHEDULE)): string[] {
  return existsSync(folder)
    ? readdirSync(folder)
        .filter(name => name === base || name.startsWith(`${base}.`) || name.startsWith(`${base}-`))
        .map(name => join(folder, name))
    : [];
}

/**
 * A stale schedule in the machine's /tmp, in another dbm format (dbm.dumb's .dat/.dir/.bak,
 * as a Python without gdbm or ndbm writes it), as another run may leave there. Planted
 * only where no such file exists yet; returns the files planted, for removal.
 */
function plantStaleSchedule(): string[] {
  if (scheduleFiles(dirname(BEAT_SCHEDULE)).length > 0) return [];
  runOk(
    HOST_PYTHON,
    [
      '-c',
      `import dbm.dumb; db = dbm.dumb.open(${JSON.stringify(BEAT_SCHEDULE)}, "c"); db[b"entries"] = b"not a pickle"; db.close()`,
    ],
    { env: { PATH: HOST_PATH } },
  );
  return scheduleFiles(dirname(BEAT_SCHEDULE));
}

/** How soon Flower's start script reaches the flower command (importing Celery takes seconds under load). */
const FLOWER_PROMPT_MS = 20_000;
/** How long beat stays stopped: past the 3 s bound the test gives its healthcheck. */
const STALE_MS = 4_500;
/** How soon a SIGTERM ends Flower's process. */
const SIGTERM_MS = 1_500;

/**
 * A stand-in `celery`, first on PATH: with the flower command it stays up, printing its
 * arguments, as Flower would (and ends on SIGTERM, Python's default); any other command
 * runs the real celery, next on PATH.
 */
function flowerStandIn(): string {
  const bin = tempDir('flower-stand-in');
  const file = join(bin, 'celery');
  writeFileSync(
    file,
    [
      '#!/bin/bash',
      'case " $* " in',
      `  *" flower "*) exec python -c 'import sys, time; print("Flower stand-in up:", *sys.argv[1:], flush=True); time.sleep(600)' "$@" ;;`,
      'esac',
      'PATH=${PATH#*:} exec celery "$@"',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  return bin;
}

/** `flowerLogin`: what Flower's title adds (production: "with its login"). */
export function celeryServiceChecks(app: RuntimeProject, flowerLogin = ''): void {
  it("the image's Python environment, built from the lock alone: the root's Python has the standard library only; with the environment, every distribution the builder ran, at that version, and nothing else", () => {
    expect(importableDistributions(app.root), `${app.root.name} root's own distributions`).to.deep.equal([]);
    const built = builtDistributions(app.python);
    expect(built.length, 'distributions built').to.be.greaterThan(10);
    const ran = built
      .filter(d => d.ran !== '-')
      .map(d => `${d.name}==${d.ran}`)
      .sort();
    expect(importableDistributions(app.root, app.python)).to.deep.equal(ran);
    // A version other than the locked one, or none, only as a reviewed exception that says why.
    for (const d of built.filter(row => row.ran !== row.locked))
      expect(d.source, `${d.name}: locked ${d.locked}, ran ${d.ran}`).to.match(
        /not run: .{20,}|newer patch release .* is locked/,
      );
  });

  it(`Flower's start script: with no worker up, execs \`celery ... flower\`${flowerLogin} at once, waiting for none; it fails only for want of Flower (no Debian package)`, async function () {
    this.timeout(60_000);
    await app.stopWorker();
    const started = Date.now();
    const flower = app.startService('flower');
    await flower.waitForExit(FLOWER_PROMPT_MS);
    expect(flower.exitCode, flower.describe()).to.not.equal(0);
    // It got as far as exec'ing Celery with the flower command; only the package is missing.
    expect(flower.output, flower.describe()).to.match(/No such command 'flower'/);
    expect(Date.now() - started, 'ms from start to the flower command').to.be.below(FLOWER_PROMPT_MS);
  });

  it("Flower's start script: Flower is the process it started (exec), which a SIGTERM to that process ends at once", async function () {
    this.timeout(60_000);
    await app.stopWorker();
    const bin = flowerStandIn();
    const flower = app.startService(
      'flower',
      'flower (celery flower: a stand-in that stays up)',
      { PATH: `${bin}:${app.env('flower').PATH}` },
      undefined,
      { binds: [bin] },
    );
    try {
      await flower.waitFor(/Flower stand-in up:/, FLOWER_PROMPT_MS);
      const command = commandLine(flower.pid);
      expect(command, 'the command line of the process the script started').to.match(
        new RegExp(`-A ${app.name} --broker=\\S+ flower --port=5555`),
      );
      expect(command, 'a shell still runs as that process').to.not.match(/^\S*bash\b/);
      const signalled = Date.now();
      process.kill(flower.pid, 'SIGTERM');
      await flower.waitForExit(SIGTERM_MS);
      expect(Date.now() - signalled, 'ms from SIGTERM to the end').to.be.below(SIGTERM_MS);
      expect(flower.exitSignal ?? flower.exitCode, flower.describe()).to.be.oneOf(['SIGTERM', 143]);
      expect(flower.alive(), 'a process of the group outlived the SIGTERM').to.equal(false);
    } finally {
      await flower.stop();
    }
  });

  it('worker: divide.delay(1, 2) returns 0.5, and Redis holds celery-task-meta-<id> with SUCCESS and 0.5', async () => {
    const proc = await app.ensureWorker();
    const id = app.sendDivide(1, 2);
    expect(app.resultOf(id, 30)).to.equal(0.5);
    await proc.waitFor(TASK_SUCCEEDED(id), 10_000);
    expect(app.redis.taskMeta(id)).to.include({ status: 'SUCCESS', result: 0.5, task_id: id });
  });

  it("beat: sends polls.tasks.heartbeat every CELERY_HEARTBEAT_SECONDS (1 s here), and the worker runs it; its schedule lies outside the project (development: in its container's /tmp; production: in beat's named volume), whatever schedule the machine's /tmp holds", async () => {
    const proc = await app.ensureWorker();
    const from = proc.output.length;
    const planted = plantStaleSchedule();
    const stale = scheduleFiles(dirname(BEAT_SCHEDULE)).map(file => [file, readFileSync(file, 'latin1')] as const);
    expect(
      stale.map(([file]) => basename(file)),
      "a stale schedule in the machine's /tmp",
    ).to.include.members(
      planted.length > 0 ? ['celerybeat-schedule.dat', 'celerybeat-schedule.dir', 'celerybeat-schedule.bak'] : [],
    );
    expect(stale, "a schedule in the machine's /tmp").to.not.be.empty;
    const beat = app.startService('celery_beat');
    try {
      await beat.waitFor(/Sending due task heartbeat \(polls\.tasks\.heartbeat\)/, 30_000);
      const match = await proc.waitFor(/Task polls\.tasks\.heartbeat\[([0-9a-f-]+)\] succeeded/, 30_000, from, [beat]);
      const meta = app.redis.taskMeta(match[1]);
      expect(meta?.status).to.equal('SUCCESS');
      expect(meta?.result).to.be.a('number');
      await waitUntil(
        'beat to send the heartbeat three times',
        () => beat.count(/Sending due task heartbeat/) >= 3,
        15_000,
        () => beat.describe(),
      );
      const schedule = beatSchedule(app);
      expect(
        scheduleFiles(hostFolderOf(app, beat, schedule), basename(schedule)),
        `beat's schedule at ${schedule} in its container`,
      ).to.not.be.empty;
      expect(readdirSync(app.project).filter(name => name.startsWith('celerybeat'))).to.deep.equal([]);
      // The machine's /tmp is not the container's: its schedule is untouched.
      expect(stale.map(([file]) => [file, readFileSync(file, 'latin1')])).to.deep.equal(
        stale.map(([file, text]) => [file, text]),
      );
    } finally {
      await beat.stop();
      for (const file of planted) rmSync(file, { force: true });
    }
  });

  it("beat's schedule outlives its container where Compose keeps it in a named volume (production): a new beat reads it, and the heartbeat's run count goes on from the last beat's", async function () {
    this.timeout(90_000);
    const schedule = beatSchedule(app);
    const inVolume = dirname(schedule) !== '/tmp';
    const production = app.config.services.nginx !== undefined;
    expect(inVolume, `${schedule}: in a volume in production only`).to.equal(production);
    // Development's beat keeps its schedule in its container's /tmp, which a recreate starts empty.
    if (!inVolume) return;
    expect(
      app.volumes('celery_beat').some(mount => mount.endsWith(`:${dirname(schedule)}`)),
      `a named volume on ${dirname(schedule)}`,
    ).to.equal(inVolume);
    // When each periodic task last ran, and how often: the schedule as beat left it.
    const runCount = () => {
      const read = app.runInRoot(
        [
          'python',
          '-c',
          'import shelve, sys\nwith shelve.open(sys.argv[1], "r") as db:\n    print(db["entries"]["heartbeat"].total_run_count)',
          schedule,
        ],
        'celery_beat',
      );
      expect(read.status, describeRun(read)).to.equal(0);
      return Number(read.stdout.trim().split('\n').pop());
    };
    const sends = async (count: number) => {
      const beat = app.startService('celery_beat');
      try {
        await waitUntil(
          `beat to send the heartbeat ${count} times`,
          () => beat.count(/Sending due task heartbeat/) >= count,
          30_000,
          () => beat.describe(),
        );
      } finally {
        await beat.stop();
      }
    };
    await sends(3);
    const first = runCount();
    expect(first, "the heartbeat's run count after a first beat").to.be.at.least(3);
    // A recreate: a new container, with a fresh /tmp, and the same volumes.
    await sends(1);
    const second = runCount();
    expect(second, 'the second beat went on from the count it found').to.be.above(first);
  });

  it("beat's healthcheck, run as Compose gives it: passes while beat ticks, fails once its ticks stop (beat SIGSTOPped) for longer than CELERY_BEAT_STALE_SECONDS (3 s here), passes again when beat goes on", async function () {
    this.timeout(90_000);
    const test = app.config.services.celery_beat.healthcheck?.test ?? [];
    expect(test[0], "beat's healthcheck runs without a shell").to.equal('CMD');
    const check = () => app.runInContainerOf(beat, test.slice(1), 'celery_beat', { CELERY_BEAT_STALE_SECONDS: '3' });
    const beat = app.startService('celery_beat');
    try {
      await beat.waitFor(/Sending due task heartbeat/, 60_000);
      const ticking = check();
      expect(ticking.status, `the healthcheck while beat ticks\n${describeRun(ticking)}`).to.equal(0);
      expect(ticking.stdout).to.match(/beat last ticked \d+ s ago/);
      beat.signalGroup('SIGSTOP');
      await sleep(STALE_MS);
      const stopped = check();
      expect(
        stopped.status,
        `the healthcheck ${STALE_MS / 1000} s after beat stopped\n${describeRun(stopped)}`,
      ).to.equal(1);
      expect(stopped.stdout).to.match(/beat last ticked [4-9] s ago \(bound: 3 s/);
      beat.signalGroup('SIGCONT');
      await waitUntil(
        'the healthcheck to pass again',
        () => check().status === 0,
        15_000,
        () => beat.describe(),
      );
    } finally {
      beat.signalGroup('SIGCONT');
      await beat.stop();
    }
  });
}
