// The db service's healthcheck, run against a real Postgres in the trixie root (as the
// container runs it: `sh -c` with the service's environment), and the production
// image's `django` user, made by the Dockerfile's own RUN line in a Debian root.
import { join } from 'node:path';
import { expect } from 'chai';
import { runApp } from '../helpers.js';
import { composeConfig, serviceEnvironment, serviceRunning, unescapeDollars } from '../support/compose.js';
import { readDockerfile } from '../support/dockerfile.js';
import { describeRun } from '../support/run.js';
import { Root } from './roots.js';
import { freePort, Postgres, trackDir } from './support.js';

const STACKS = [
  { file: 'docker-compose.yml', options: { defaults: true } },
  { file: 'docker-compose.prod.yml', options: { defaults: true, prod: true } },
] as const;

describe("The db service's healthcheck, against a real Postgres", function () {
  this.timeout(120_000);
  const root = new Root('trixie');
  let tcp: Postgres;
  let socketOnly: Postgres;
  const checks: Array<{ file: string; command: string; env: Record<string, string> }> = [];

  before(async () => {
    for (const { file, options } of STACKS) {
      const run = await runApp(options);
      trackDir(run.cwd);
      const config = composeConfig(run.project, [file]);
      const db = serviceRunning(config, 'postgres')!;
      const [kind, command] = config.services[db].healthcheck?.test ?? [];
      expect(kind, `${file}: db's healthcheck`).to.equal('CMD-SHELL');
      const env = serviceEnvironment(config, db);
      checks.push({
        file,
        command: unescapeDollars(command),
        env: { POSTGRES_USER: env.POSTGRES_USER, POSTGRES_DB: env.POSTGRES_DB },
      });
    }
    const credentials = { db: 'hello_django', user: 'hello_django', password: 'hello_django' };
    tcp = new Postgres(await freePort(), root);
    await tcp.start(credentials);
    // As the image's first-start setup runs it: on its socket, not on TCP.
    socketOnly = new Postgres(await freePort(), root);
    await socketOnly.start(credentials, { tcp: false });
  });
  after(async () => {
    await tcp?.stop();
    await socketOnly?.stop();
  });

  // The container's port 5432 is each server's own port here (PGPORT); PGHOST, the
  // server's socket folder, stands for the image's default socket folder.
  const check = (server: Postgres, command: string, env: Record<string, string>) =>
    server.shell(command, { ...env, PGPORT: String(server.port), PGHOST: server.dir });

  for (const { file } of STACKS) {
    it(`${file}: passes once Postgres accepts TCP connections, fails while it listens on its socket only`, () => {
      const { command, env } = checks.find(entry => entry.file === file)!;
      const up = check(tcp, command, env);
      expect(up.status, describeRun(up)).to.equal(0);
      const socket = check(socketOnly, command, env);
      expect(socket.status, `the healthcheck against a socket-only Postgres\n${describeRun(socket)}`).to.not.equal(0);
      // The same check over the socket would have passed there.
      const overSocket = check(socketOnly, command.replace(/ (--host|-h) 127\.0\.0\.1/, ''), env);
      expect(overSocket.status, describeRun(overSocket)).to.equal(0);
    });
  }
});

describe("The production image's django user, made by the Dockerfile's RUN line in a Debian root", function () {
  this.timeout(60_000);
  const root = new Root('trixie');
  let userRun = '';

  before(async () => {
    const run = await runApp({ defaults: true, prod: true });
    trackDir(run.cwd);
    const dockerfile = readDockerfile(join(run.project, 'compose/production/django/Dockerfile'));
    const runs = dockerfile.stages.at(-1)!.instructions.filter(i => i.keyword === 'RUN' && /\buseradd\b/.test(i.args));
    expect(runs, 'one RUN of the image stage makes the user').to.have.length(1);
    userRun = runs[0].args;
  });

  /** The RUN line as root in the root, on a private copy of its /etc; `before` runs first (a base image's own additions). */
  const makeUser = (before = 'true') =>
    root.run(
      [
        '/bin/sh',
        '-c',
        `cp -a /etc /tmp/etc && mount --bind /tmp/etc /etc && ${before} && /bin/sh -ec "$0" && id django`,
        userRun,
      ],
      { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' },
    );

  it('gives django the fixed ids 999:999', () => {
    const made = makeUser();
    expect(made.status, describeRun(made)).to.equal(0);
    expect(made.stdout).to.match(/^uid=999\(django\) gid=999\(django\) groups=999\(django\)$/m);
  });

  it('stops the build, rather than giving other ids, on a base image where a system user already took 999', () => {
    const made = makeUser('groupadd --system other && useradd --system --gid other other');
    expect(made.status, `the RUN line succeeded with other ids:\n${made.stdout}`).to.not.equal(0);
    expect(made.stderr).to.match(/999.*(already exists|not unique)/);
  });
});
