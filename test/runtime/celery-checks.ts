// The checks of Flower, the worker and beat, the same for the development and the
// production scripts: each scenario calls this inside its describe().
import { expect } from 'chai';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import type { RuntimeProject } from './project.js';
import type { Proc } from './support.js';
import { commandLine, selfAndDescendants, waitUntil } from './support.js';

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

/** Where beat keeps its schedule (celery beat --schedule), in its container. */
const BEAT_SCHEDULE = '/tmp/celerybeat-schedule';

/** `flowerLogin`: what Flower's title adds (production: "with its login"). */
export function celeryServiceChecks(app: RuntimeProject, flowerLogin = ''): void {
  it(`Flower's start script: waits for a worker to answer \`inspect ping\`, then runs \`celery flower\`${flowerLogin}, which fails here (Flower has no Debian package)`, async function () {
    this.timeout(120_000);
    await app.stopWorker();
    const flower = await app.flowerUpToCeleryFlower(() => app.ensureWorker());
    expect(flower.exitCode, flower.describe()).to.not.equal(0);
    // It got as far as exec'ing Celery with the flower command; only the package is missing.
    expect(flower.output).to.match(/No such command 'flower'/);
  });

  it('worker: divide.delay(1, 2) returns 0.5, and Redis holds celery-task-meta-<id> with SUCCESS and 0.5', async () => {
    const proc = await app.ensureWorker();
    const id = app.sendDivide(1, 2);
    expect(app.resultOf(id, 30)).to.equal(0.5);
    await proc.waitFor(TASK_SUCCEEDED(id), 10_000);
    expect(app.redis.taskMeta(id)).to.include({ status: 'SUCCESS', result: 0.5, task_id: id });
  });

  it('beat: sends polls.tasks.heartbeat every CELERY_HEARTBEAT_SECONDS (1 s here), and the worker runs it; its schedule file lies outside the project', async () => {
    const proc = await app.ensureWorker();
    const from = proc.output.length;
    const beat = app.startService('celery_beat');
    try {
      await beat.waitFor(/Sending due task heartbeat \(polls\.tasks\.heartbeat\)/, 30_000);
      const match = await proc.waitFor(/Task polls\.tasks\.heartbeat\[([0-9a-f-]+)\] succeeded/, 30_000, from, [beat]);
      const meta = app.redis.taskMeta(match[1]);
      expect(meta?.status).to.equal('SUCCESS');
      expect(meta?.result).to.be.a('number');
      await waitUntil('beat to send the heartbeat three times', () => beat.count(/Sending due task heartbeat/) >= 3, 15_000, () => beat.describe());
      const schedule = app.hostPath('celery_beat', BEAT_SCHEDULE);
      expect(existsSync(schedule) || existsSync(`${schedule}.db`), `beat's schedule at ${BEAT_SCHEDULE}`).to.equal(true);
      expect(readdirSync(app.project).filter(name => name.startsWith('celerybeat'))).to.deep.equal([]);
    } finally {
      await beat.stop();
      for (const suffix of ['', '.db']) rmSync(`${app.hostPath('celery_beat', BEAT_SCHEDULE)}${suffix}`, { force: true });
    }
  });
}
