// The generator's own safety, through the entry points users type: a strict command line
// with one meaning through both, and writes that leave a whole project whatever happens
// to them (a file that cannot be replaced, a full disk, the process killed mid-write).
// The fault tests need root (chattr, mount): run `npm run test:e2e` as root, as CI does.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { readTree } from '../helpers.js';
import { runOk, runSync } from '../support/run.js';
import { ENTRY_POINT, expectRefusal, heldEntryPoint, runEntryPoint, runYo } from './commands.js';
import { requireTmux, Terminal } from './terminal.js';

const PROJECT = 'django_celery_example';
const output = (run: { stdout: string; stderr: string }) => `${run.stdout}\n${run.stderr}`;

/** Runs `check` on a new tmpfs of `size` (a small disk that fills up), unmounted after it. */
function onSmallDisk(size: string, check: (disk: string) => void): void {
  const disk = mkdtempSync(join(tmpdir(), 'full-'));
  runOk('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
  try {
    check(disk);
  } finally {
    runOk('umount', [disk]);
  }
}

describe('the command line of both entry points', function () {
  this.timeout(300_000);

  const refusals: [string[], RegExp][] = [
    [['--postgres-pasword', 's3cret'], /Unknown option --postgres-pasword: did you mean --postgres-password\?/],
    [['--prod', '--allowed-host', 'example.com'], /Unknown option --allowed-host: did you mean --allowed-hosts\?/],
    [['--nginx_port', '80'], /Unknown option --nginx_port: did you mean --nginx-port\?/],
    [['stray'], /Unexpected argument "stray": this generator takes options only/],
    // A word near a generator's name is taken for a mistyped sub-generator.
    [['prdo'], /Unknown generator "prdo": did you mean `(yo django-celery:|create-django-celery )prod`\?/],
    [['--prod=maybe'], /--prod=maybe: write --prod or --no-prod/],
    [['--prod=0'], /--prod=0: write --prod or --no-prod/],
    // Names of JavaScript's object machinery are no yes-or-no words, and no program text is printed.
    [['--prod=constructor'], /--prod=constructor: write --prod or --no-prod/],
    [['--prod=toString'], /--prod=toString: write --prod or --no-prod/],
    [['--prod=__proto__'], /--prod=__proto__: write --prod or --no-prod/],
    [['--nginx-port', '80'], /--nginx-port applies to production, which is off: add --prod/],
    [['--web-port'], /--web-port needs a value/],
    // Yeoman's --dry-run would write everything all the same.
    [['--dry-run'], /Unknown option --dry-run\. Run with --help to see the options\./],
    // Piped answers cannot be told apart one question from the next.
    [['--interactive'], /--interactive needs a terminal on standard input/],
  ];
  for (const [args, message] of refusals) {
    it(`refuses ${args.join(' ')} alike, in one sentence of its own, before writing anything`, () => {
      for (const run of [runYo(['django-celery', '--defaults', ...args]), runEntryPoint(['--defaults', ...args])]) {
        expect(run.status, output(run)).to.equal(1);
        expectRefusal(run, message);
        expect(output(run)).to.not.match(/\[native code\]|function |=>/);
        expect(readdirSync(run.cwd), run.command).to.deep.equal([]);
      }
    });
  }

  for (const [word, message] of [
    ['stray', /^Unexpected argument "stray": this generator takes options only/],
    ['prdo', /^Unknown generator "prdo": did you mean `(yo django-celery:|create-django-celery )prod`\?/],
  ] as const) {
    it(`gives the word ${word} the same hint right after the command, through both`, () => {
      for (const run of [runYo(['django-celery', word]), runEntryPoint([word])]) {
        expect(run.status, output(run)).to.equal(1);
        expectRefusal(run, message);
      }
    });
  }

  it("names the closest generator and every one there is for create-django-celery prdo; yo django-celery:prdo gets yo's own message", () => {
    const ours = runEntryPoint(['prdo']);
    expect(ours.status, output(ours)).to.equal(1);
    expectRefusal(
      ours,
      /^Unknown generator "prdo": did you mean `create-django-celery prod`\? The generators are app, django, env, kubernetes, local, prod, repo, requirements, users; run with --help to see what each writes\.$/,
    );
    expect(readdirSync(ours.cwd)).to.deep.equal([]);
    // yo looks the namespace up before any code of this package runs: its message, not ours
    // (README.md says so). It fails all the same, and writes nothing.
    const yos = runYo(['django-celery:prdo']);
    expect(yos.status, output(yos)).to.equal(1);
    expect(output(yos)).to.contain("You don't seem to have a generator with the name");
    expect(readdirSync(yos.cwd)).to.deep.equal([]);
  });

  for (const [flag, production] of [
    ['--prod', true],
    ['--prod=yes', true],
    ['--prod=true', true],
    ['--no-prod', false],
    ['--prod=no', false],
    ['--prod=false', false],
  ] as const) {
    it(`gives ${flag} the same meaning through both: production ${production ? 'on' : 'off'}`, () => {
      for (const run of [runYo(['django-celery', '--defaults', flag]), runEntryPoint(['--defaults', flag])]) {
        expect(run.status, output(run)).to.equal(0);
        expect(existsSync(join(run.cwd, PROJECT, 'docker-compose.prod.yml')), run.command).to.equal(production);
      }
    });
  }
});

/** The project's files as a clean generation would write them, secrets aside (each project has its own). */
function comparable(folder: string): Map<string, string> {
  const tree = readTree(folder);
  for (const [path, content] of tree) {
    if (path.startsWith('.env/'))
      tree.set(
        path,
        content.replace(
          /^(SECRET_KEY|SQL_PASSWORD|POSTGRES_PASSWORD|APP_DB_PASSWORD|CELERY_FLOWER_PASSWORD)=.*$/gm,
          '$1=<secret>',
        ),
      );
    if (path === '.yo-rc.json') {
      const config = JSON.parse(content) as Record<string, Record<string, string>>;
      for (const key of Object.keys(config['generator-django-celery:files'] ?? {})) {
        if (key.startsWith('.env/')) config['generator-django-celery:files'][key] = '<digest of a file with secrets>';
      }
      tree.set(path, JSON.stringify(config, null, 2));
    }
  }
  return tree;
}

/** A clean generation with the answers `project` stores. */
function cleanTwin(project: string): Map<string, string> {
  const stored = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-django-celery'] as Record<
    string,
    unknown
  >;
  const run = runEntryPoint(['--defaults', `--web-port=${String(stored.webPort)}`, ...(stored.prod ? ['--prod'] : [])]);
  expect(run.status, output(run)).to.equal(0);
  return comparable(join(run.cwd, PROJECT));
}

/** After a fault: a plain re-run succeeds without a false "you changed", and the project is what a clean generation writes. */
function expectWholeAfterRerun(project: string): void {
  const rerun = runEntryPoint([], project);
  expect(rerun.status, output(rerun)).to.equal(0);
  expect(output(rerun)).to.not.contain('You changed');
  expect(readdirSync(project)).to.not.include.members(['.django-celery-staging', '.django-celery.lock']);
  expect(comparable(project)).to.deep.equal(cleanTwin(project));
}

/** What a killed run left staged is its user's alone: the folder 700, the journal and the staged secret files 600. */
function expectPrivateStage(project: string): void {
  const stage = join(project, '.django-celery-staging');
  if (!existsSync(stage)) return;
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
  expect(mode(stage), stage).to.equal('700');
  const journal = join(stage, 'journal.json');
  if (!existsSync(journal)) return;
  expect(mode(journal), journal).to.equal('600');
  for (const entry of (JSON.parse(readFileSync(journal, 'utf8')) as { entries: { path: string; staged?: string }[] })
    .entries) {
    const staged = entry.staged && join(stage, entry.staged);
    if (staged && entry.path.startsWith('.env/.prod') && existsSync(staged))
      expect(mode(staged), `${staged} (${entry.path})`).to.equal('600');
  }
}

function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      'The fault-injection tests need root (chattr +i, mount -t tmpfs): run `npm run test:e2e` as root, as CI does.',
    );
}

describe('a write that fails halfway', function () {
  this.timeout(600_000);
  before(requireRoot);

  it('leaves the project as it was when a file cannot be replaced (EPERM), naming it; a plain re-run then succeeds', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, PROJECT);
    const before = readTree(project);
    const locked = join(project, 'docker-compose.yml');
    runOk('chattr', ['+i', locked]);
    try {
      const run = runEntryPoint(['--web-port', '9001'], project);
      expect(run.status).to.equal(1);
      expect(output(run)).to.match(
        /Could not replace \S+\/docker-compose\.yml: operation not permitted \(EPERM\)\. Nothing was changed\./,
      );
      expect(output(run)).to.not.match(/\n\s+at /);
    } finally {
      runOk('chattr', ['-i', locked]);
    }
    expect(readTree(project)).to.deep.equal(before);
    expectWholeAfterRerun(project);
  });

  it('leaves no folder behind when a new project does not fit on the disk (ENOSPC)', () => {
    onSmallDisk('48k', disk => {
      const run = runEntryPoint(['--defaults'], disk);
      expect(run.status).to.equal(1);
      expect(output(run)).to.match(
        /no space left on device \(ENOSPC\)\. Nothing was changed\. Free some space, then run again\./,
      );
      expect(readdirSync(disk)).to.deep.equal([]);
    });
  });

  it('keeps the old project whole when the disk fills during a re-run, and a plain re-run then succeeds', () => {
    onSmallDisk('1m', disk => {
      const first = runEntryPoint(['--defaults', '--prod'], disk);
      expect(first.status, output(first)).to.equal(0);
      const project = join(disk, PROJECT);
      const before = readTree(project);
      // Fill the disk but for a few kilobytes: less than the run stages.
      const filler = join(disk, 'filler');
      runSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1k', 'count=2000']);
      rmSync(filler);
      const free = Number(runSync('df', ['--output=avail', '-k', disk]).stdout.trim().split('\n').pop());
      runSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1k', `count=${Math.max(free - 8, 1)}`]);
      const run = runEntryPoint(['--web-port', '9002'], project);
      expect(run.status, output(run)).to.equal(1);
      expect(output(run)).to.match(/ENOSPC/);
      expect(readTree(project)).to.deep.equal(before);
      rmSync(filler);
      expectWholeAfterRerun(project);
    });
  });

  it('keeps .yo-rc.json in place up to its last move: killed just before it, the project is still known, and the next run finishes it', async () => {
    const first = runEntryPoint(['--defaults', '--prod']);
    const project = join(first.cwd, PROJECT);
    const held = heldEntryPoint(['--web-port', '9190'], project, 'answers');
    const pid = await held.pid;
    // Every other file is in place; .yo-rc.json is still the old one, whole.
    const answers = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-django-celery'];
    expect(answers).to.include({ projectName: PROJECT, webPort: 8010 });
    process.kill(pid, 'SIGKILL');
    const killed = await held.ended;
    expect(killed.signal ?? killed.status, output(killed)).to.not.equal(0);
    expectWholeAfterRerun(project);
    expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:9190:8000"');
  });

  it('is finished by the next run when the process is killed at seeded moments of a re-run', async () => {
    const first = runEntryPoint(['--defaults', '--prod']);
    const project = join(first.cwd, PROJECT);
    const seed = Number(process.env.FC_SEED ?? Date.now() % 100_000);
    const delays = fc.sample(fc.integer({ min: 0, max: 12 }), { seed, numRuns: 10 });
    let killedWhileWriting = 0;
    for (const [index, delay] of delays.entries()) {
      // A re-run that changes most files; killed `delay` ms after it starts staging them.
      const child = spawn(process.execPath, [ENTRY_POINT, '--web-port', String(9100 + index)], {
        cwd: project,
        stdio: 'ignore',
      });
      const watcher = watch(project, (_event, name) => {
        if (name === '.django-celery-staging') setTimeout(() => child.kill('SIGKILL'), delay);
      });
      const signal = await new Promise<NodeJS.Signals | null>(resolve =>
        child.on('exit', (_code, received) => resolve(received)),
      );
      watcher.close();
      if (signal === 'SIGKILL') killedWhileWriting += 1;
      try {
        expectPrivateStage(project);
        expectWholeAfterRerun(project);
      } catch (error) {
        // The moment of the kill, to run it again with FC_SEED.
        if (error instanceof Error) error.message = `seed ${seed}, run ${index}, delay ${delay}: ${error.message}`;
        throw error;
      }
    }
    expect(killedWhileWriting, `seed ${seed}: the kills should land while files are written`).to.be.greaterThan(5);
  });
});

describe('two runs at once in one project', function () {
  this.timeout(300_000);

  it('refuses the second at once while the first waits at a question, and lets it run once the first is gone', async () => {
    requireTmux();
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, PROJECT);
    writeFileSync(join(project, 'README.md'), 'my own notes\n');
    // The first run asks, in a terminal, whether to overwrite the edited README, and waits for an answer.
    const waiting = new Terminal([process.execPath, ENTRY_POINT, '--web-port', '9400'], { cwd: project });
    let pid: number;
    try {
      await waiting.waitFor('README.md', 60_000);
      pid = (JSON.parse(readFileSync(join(project, '.django-celery.lock'), 'utf8')) as { pid: number }).pid;
      const second = runEntryPoint(['--force'], project);
      expect(second.status, output(second)).to.equal(1);
      expect(output(second)).to.contain(`Another run of the generator (process ${pid}) holds ${project}.`);
    } finally {
      waiting.close();
    }
    // Closing its terminal ends the first run.
    for (let tries = 0; existsSync(`/proc/${pid}`); tries += 1) {
      expect(tries, `process ${pid} to end with its terminal`).to.be.below(100);
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    const third = runEntryPoint(['--force'], project);
    expect(third.status, output(third)).to.equal(0);
    expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:8010:8000"');
  });

  it('refuses the second while the first holds the lock, and takes over a stale lock', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, PROJECT);
    const sleeper = spawn('sleep', ['60']);
    // A lock names its process and when that process started (/proc/PID/stat, field 22).
    const start = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
    try {
      writeFileSync(
        join(project, '.django-celery.lock'),
        `${JSON.stringify({ pid: sleeper.pid, start: start(sleeper.pid!) })}\n`,
      );
      const run = runEntryPoint([], project);
      expect(run.status).to.equal(1);
      expect(output(run)).to.contain(`Another run of the generator (process ${sleeper.pid}) holds ${project}.`);
    } finally {
      sleeper.kill();
    }
    // The holder is gone: its lock is stale.
    writeFileSync(join(project, '.django-celery.lock'), `${JSON.stringify({ pid: 999999, start: '1' })}\n`);
    const run = runEntryPoint([], project);
    expect(run.status, output(run)).to.equal(0);
    expect(existsSync(join(project, '.django-celery.lock'))).to.equal(false);
  });
});

describe('two runs that meet one stale lock', function () {
  this.timeout(300_000);

  it('one takes it over; the other, which judged it stale first, stops saying the first holds the project', async () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, PROJECT);
    const lock = join(project, '.django-celery.lock');
    // Left by a killed run: PID 1 runs, but did not start when the lock says.
    writeFileSync(lock, `${JSON.stringify({ pid: 1, start: '1' })}\n`);
    const holder = (): number => (JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid;
    // The late run judges the lock stale and is held just before it takes it over.
    const late = heldEntryPoint(['--web-port', '9811'], project, 'takeover');
    await late.pid;
    // The early run judges it stale too, takes it over, and is held while it writes.
    const early = heldEntryPoint(['--web-port', '9810'], project, 'journal');
    const earlyPid = await early.pid;
    expect(holder()).to.equal(earlyPid);
    await late.release();
    const stopped = await late.ended;
    expect(stopped.status, output(stopped)).to.equal(1);
    expect(output(stopped)).to.contain(
      `Another run of the generator (process ${earlyPid}) holds ${project}. Wait for it to end, then run again;`,
    );
    expect(holder(), 'the lock the late run moved aside is back').to.equal(earlyPid);
    await early.release();
    const wrote = await early.ended;
    expect(wrote.status, output(wrote)).to.equal(0);
    expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:9810:8000"');
    expect(readdirSync(project).filter(name => name.startsWith('.django-celery'))).to.deep.equal([]);
  });
});

describe('paths', function () {
  this.timeout(300_000);

  it('never writes through a symbolic link, naming it', () => {
    const first = runEntryPoint(['--defaults']);
    const project = join(first.cwd, PROJECT);
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    rmSync(join(project, 'compose', 'local'), { recursive: true });
    runOk('ln', ['-s', join(outside, 'missing'), join(project, 'compose', 'local')]);
    const run = runEntryPoint([], project);
    expect(run.status).to.equal(1);
    expect(output(run)).to.match(/compose\/local is a symbolic link: the generator does not write through links/);
    expect(readdirSync(outside)).to.deep.equal([]);
  });

  it('regenerates the project from one of its folders instead of nesting a new one', () => {
    const first = runEntryPoint(['--defaults', '--web-port', '9300']);
    const project = join(first.cwd, PROJECT);
    const inside = join(project, 'polls');
    const run = runEntryPoint([], inside);
    expect(run.status, output(run)).to.equal(0);
    expect(existsSync(join(inside, PROJECT))).to.equal(false);
    expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:9300:8000"');
  });
});

describe('a secret file', function () {
  this.timeout(120_000);

  it('is readable by its owner only', () => {
    const run = runEntryPoint(['--defaults', '--prod']);
    for (const file of ['.env/.prod', '.env/.prod.db']) {
      const mode = runSync('stat', ['-c', '%a', join(run.cwd, PROJECT, file)]).stdout.trim();
      expect(mode, file).to.equal('600');
    }
  });
});
