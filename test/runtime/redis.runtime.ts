// Production Redis when its disk fills up or its memory runs out, run with the options
// docker-compose.prod.yml gives it: it refuses new tasks with an error that says why,
// keeps every task already queued, and takes tasks again by itself once there is room.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runApp } from '../helpers.js';
import { composeConfig } from '../support/compose.js';
import { runOk } from '../support/run.js';
import { redisOptions } from './project.js';
import { Root } from './roots.js';
import { freePort, Redis, trackDir, waitUntil } from './support.js';

/** A size the test's tmpfs gives Redis's data folder: room for a few hundred small tasks. */
const DISK = 2 * 1024 * 1024;
/** A queued task's stand-in: a message about as large as a small Celery task's. */
const TASK = 'x'.repeat(2048);

describe('production Redis with its disk full, or at its memory limit', function () {
  this.timeout(120_000);
  let redis: Redis;
  let mounted = false;

  /** LPUSH of one task onto Celery's queue: Redis's reply, error or not (redis-cli exits 0 on both). */
  const push = () => {
    const ran = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'LPUSH', 'celery', TASK], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return `${ran.stdout}${ran.stderr}`.trim();
  };

  /** The redis service's healthcheck, as Compose runs it, pointed at this Redis: whether it passes. */
  let healthy: () => boolean;

  before(async () => {
    const { project, cwd } = await runApp({ defaults: true, prod: true });
    trackDir(cwd);
    const config = composeConfig(project, ['docker-compose.prod.yml']);
    const options = redisOptions(config);
    const [kind, script] = config.services.redis.healthcheck?.test ?? [];
    expect(kind).to.equal('CMD-SHELL');
    healthy = () => {
      const here = String(script).replace(/\bredis-cli\b/, `redis-cli -h 127.0.0.1 -p ${redis.port}`);
      return spawnSync('sh', ['-c', here], { stdio: 'ignore', timeout: 10_000 }).status === 0;
    };
    redis = new Redis(await freePort(), new Root('trixie'), options);
    runOk('mount', ['-t', 'tmpfs', '-o', `size=${DISK},mode=0777`, 'redis-full', redis.dir]);
    mounted = true;
    await redis.start();
  });

  after(async () => {
    await redis?.stop();
    if (mounted) runOk('umount', [redis.dir]);
  });

  it('runs as Compose runs it: the append-only file on, no RDB save point, noeviction', () => {
    expect(healthy()).to.equal(true);
    expect(redis.cli('CONFIG', 'GET', 'appendonly')).to.equal('appendonly\nyes');
    expect(redis.cli('CONFIG', 'GET', 'save')).to.equal('save\n');
    expect(redis.cli('CONFIG', 'GET', 'maxmemory-policy')).to.equal('maxmemory-policy\nnoeviction');
  });

  it('with its disk full: refuses new tasks with MISCONF naming the full disk, keeps those queued, fails its healthcheck; takes tasks again once there is room', async () => {
    for (let i = 0; i < 20; i++) expect(push()).to.match(/^\d+$/);
    const queued = Number(redis.cli('LLEN', 'celery'));
    // Another file takes the rest of the disk, as a growing log would.
    const filler = join(redis.dir, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k'], { stdio: 'ignore' });
    let reply = '';
    await waitUntil(
      'Redis to refuse a write on the full disk',
      () => {
        reply = push();
        return !/^\d+$/.test(reply);
      },
      30_000,
    );
    expect(reply).to.match(/^MISCONF Errors writing to the AOF file: No space left on device/);
    expect(Number(redis.cli('LLEN', 'celery'))).to.be.at.least(queued);
    // Redis refuses PING too, so the Compose healthcheck (PONG or unhealthy) reports the disk.
    expect(healthy()).to.equal(false);
    expect(redis.cli('PING')).to.match(/^MISCONF /);

    // Room again: Redis writes its append-only file and takes tasks, with no restart.
    rmSync(filler);
    await waitUntil('Redis to take tasks again once the disk has room', () => /^\d+$/.test(push()), 30_000);
    expect(healthy()).to.equal(true);
  });

  it('at its memory limit: refuses new tasks with OOM and evicts none of those queued', async () => {
    redis.cli('DEL', 'celery');
    const used = Number(/used_memory:(\d+)/.exec(redis.cli('INFO', 'memory'))?.[1]);
    // The production limit is far above what a test fills; the same policy with a limit just above what is used.
    redis.cli('CONFIG', 'SET', 'maxmemory', String(used + 512 * 1024));
    let reply = '';
    for (let i = 0; i < 2000 && /^\d*$/.test(reply); i++) reply = push();
    expect(reply).to.match(/^(\(error\) )?OOM command not allowed when used memory > 'maxmemory'/);
    const queued = Number(redis.cli('LLEN', 'celery'));
    expect(queued).to.be.greaterThan(100);
    expect(push()).to.match(/OOM/);
    expect(Number(redis.cli('LLEN', 'celery'))).to.equal(queued);
  });
});
