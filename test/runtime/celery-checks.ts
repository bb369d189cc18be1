// The checks of Flower, the worker and beat, the same for the development and the
// production scripts: each scenario calls this inside its describe().
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeProject } from './project.js';
import { waitUntil } from './support.js';

export const TASK_SUCCEEDED = (id: string) => new RegExp(`Task \\S+\\.divide\\[${id}\\] succeeded in [\\d.]+s: 0\\.5`);

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

  it('beat: sends polls.tasks.heartbeat every CELERY_HEARTBEAT_SECONDS (1 s here), and the worker runs it', async () => {
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
      expect(existsSync(join(app.project, 'celerybeat-schedule')) || existsSync(join(app.project, 'celerybeat-schedule.db'))).to.equal(true);
    } finally {
      await beat.stop();
    }
  });
}
