// What the generator trusts on disk: only the journal, staging folder, lock and project
// it wrote itself, as the user running it. Planted ones stop the run, naming what is
// wrong and how to remove it, and nothing outside the project is touched. The cases
// with another user need root (they plant files as user 1000, the user yo runs as):
// run `npm run test:e2e` as root, as CI does.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readTree } from '../helpers.js';
import { DockerIgnore } from '../support/dockerignore.js';
import { runOk, runSync } from '../support/run.js';
import { ENTRY_POINT, INTERCEPT, recordOutput, runEntryPoint, sharedFolder } from './commands.js';

const PROJECT = 'django_celery_example';
const STAGING = '.django-celery-staging';
const LOCK = '.django-celery.lock';
const output = (run: { stdout: string; stderr: string }) => `${run.stdout}\n${run.stderr}`;
/** The user that plants files: not root, and the one yo runs as. */
const OTHER = 1000;

function requireRoot(): void {
  if (process.getuid?.() !== 0)
    throw new Error(
      `These tests plant files as another user (uid ${OTHER}) and need root: run \`npm run test:e2e\` as root, as CI does.`,
    );
}

/** Runs the shell `script` as the other user. */
function asOther(script: string, cwd: string): void {
  runOk('sh', ['-c', script], { cwd, uid: OTHER, gid: OTHER });
}

/** A generated project (owned by root, who runs these tests). */
function project(args: string[] = ['--defaults']): string {
  const first = runEntryPoint(args);
  expect(first.status, output(first)).to.equal(0);
  return join(first.cwd, PROJECT);
}

/** A staging folder as a run of the generator leaves it, holding `files` and the journal `journal` (JSON unless a string). */
function plantStaging(root: string, journal: unknown, files: Record<string, string> = {}): string {
  const stage = join(root, STAGING);
  mkdirSync(stage, { mode: 0o700 });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(stage, name), text, { mode: 0o600 });
  writeFileSync(join(stage, 'journal.json'), typeof journal === 'string' ? journal : JSON.stringify(journal), {
    mode: 0o600,
  });
  return stage;
}

const journalOf = (root: string, entries: unknown[]) => ({ writer: 'generator-django-celery', root, entries });

/** The run stopped, naming the staging folder and why, saying how to remove it, and left everything as it was. */
function expectRefusedStage(root: string, why: RegExp, outside?: string): void {
  const before = readTree(root);
  const outsideBefore = outside ? readTree(outside) : undefined;
  const run = runEntryPoint(['--force'], root);
  expect(run.status, output(run)).to.equal(1);
  const stage = join(root, STAGING);
  expect(output(run)).to.contain(`${stage} was not left by a run of this generator on this project (`);
  expect(output(run)).to.match(why);
  expect(output(run)).to.contain(
    `nothing in it was used or removed. Look at what it holds; if you did not expect it, remove it (rm -r '${stage}'), then run again.`,
  );
  expect(output(run)).to.not.match(/\n\s+at /);
  // That one line is all the run prints.
  expect(
    output(run)
      .split('\n')
      .filter(line => line.trim() !== '').length,
    output(run),
  ).to.equal(1);
  expect(readTree(root)).to.deep.equal(before);
  if (outside) expect(readTree(outside)).to.deep.equal(outsideBefore);
}

describe('a planted journal', function () {
  this.timeout(300_000);
  before(requireRoot);

  const outside = () => {
    const folder = mkdtempSync(join(tmpdir(), 'outside-'));
    writeFileSync(join(folder, 'victim'), "not the project's\n");
    return folder;
  };

  it('is not acted on when an entry leads out of the project (..)', () => {
    const root = project();
    const away = outside();
    const victim = join(away, 'victim');
    plantStaging(
      root,
      journalOf(root, [
        { path: `../../${victim.split('/').slice(-2).join('/')}` },
        { path: '../planted', staged: '0' },
      ]),
      { 0: 'planted\n' },
    );
    expectRefusedStage(root, /leads out of the project \(\.\.\)/, away);
    expect(existsSync(join(root, '..', 'planted'))).to.equal(false);
  });

  it('is not acted on when an entry is absolute, names the staging folder or the lock, or has an odd staged name', () => {
    const cases: [(root: string) => unknown[], RegExp][] = [
      [root => [{ path: join(root, '..', 'x'), staged: '0' }], /is an absolute path/],
      [() => [{ path: `${STAGING}/journal.json`, staged: '0' }], /is inside the staging folder/],
      [() => [{ path: LOCK, staged: '0' }], /is the lock/],
      [() => [{ path: 'README.md\0x', staged: '0' }], /a path holds a NUL character/],
      [() => [{ path: 'compose//x', staged: '0' }], /"compose\/\/x" is not a normalised path/],
      [() => [{ path: './README.md', staged: '0' }], /"\.\/README\.md" is not a normalised path/],
      [() => [{ path: 'README.md', staged: '../0' }], /staged name of "README.md" is not one this generator gives/],
    ];
    for (const [entries, why] of cases) {
      const root = project();
      plantStaging(root, journalOf(root, entries(root)), { 0: 'planted\n' });
      expectRefusedStage(root, why);
    }
  });

  it('is not acted on when written for another folder', () => {
    const root = project();
    plantStaging(root, journalOf('/etc', [{ path: 'README.md', staged: '0' }]), { 0: 'planted\n' });
    expectRefusedStage(root, /the journal was written for another folder \(\/etc\)/);
  });

  it('is not acted on when it is not JSON (one line, no parse error), or is a folder', () => {
    const root = project();
    plantStaging(root, '{ garbage');
    expectRefusedStage(root, /journal\.json is not valid JSON\)/);
    const folder = project();
    mkdirSync(join(folder, STAGING), { mode: 0o700 });
    mkdirSync(join(folder, STAGING, 'journal.json'));
    expectRefusedStage(folder, /\(journal\.json: it is not a regular file\)/);
  });

  it('is not acted on when an entry leads through a symbolic link', () => {
    const root = project();
    const away = outside();
    symlinkSync(away, join(root, 'away'));
    plantStaging(root, journalOf(root, [{ path: 'away/victim' }, { path: 'away/new', staged: '0' }]), {
      0: 'planted\n',
    });
    expectRefusedStage(root, /away\/victim leads through the symbolic link away/, away);
  });

  it('never removes a folder: a deletion naming one is refused', () => {
    const root = project();
    plantStaging(root, journalOf(root, [{ path: 'compose' }]));
    expectRefusedStage(root, /compose is a folder, not a file/);
    expect(lstatSync(join(root, 'compose')).isDirectory()).to.equal(true);
  });

  it('is not acted on when the staging folder is a link, holds a link or something it never stages, or others can write it', () => {
    const away = outside();
    const link = project();
    symlinkSync(away, join(link, STAGING));
    expectRefusedStage(link, /\(it is a symbolic link\)/, away);
    const holds = project();
    const stage = plantStaging(holds, journalOf(holds, [{ path: 'README.md', staged: '0' }]));
    symlinkSync(join(away, 'victim'), join(stage, '0'));
    expectRefusedStage(holds, /\(0: it is a symbolic link\)/, away);
    const odd = project();
    writeFileSync(join(plantStaging(odd, journalOf(odd, [])), 'payload'), 'x');
    expectRefusedStage(odd, /it holds payload, which this generator never stages/);
    const writable = project();
    chmodSync(
      plantStaging(writable, journalOf(writable, [{ path: 'README.md', staged: '0' }]), { 0: 'planted\n' }),
      0o777,
    );
    expectRefusedStage(writable, /\(others can write it\)/);
    const journal = project();
    chmodSync(join(plantStaging(journal, journalOf(journal, [{ path: 'README.md' }])), 'journal.json'), 0o620);
    expectRefusedStage(journal, /\(journal\.json: its group can write it\)/);
  });

  it('is not acted on when another user owns the staging folder or its journal', () => {
    for (const owned of ['folder', 'journal']) {
      const root = project();
      const stage = plantStaging(root, journalOf(root, [{ path: 'README.md', staged: '0' }]), { 0: 'planted\n' });
      runOk('chown', [`${OTHER}:${OTHER}`, owned === 'folder' ? stage : join(stage, 'journal.json')]);
      expectRefusedStage(
        root,
        new RegExp(`it belongs to user ${OTHER}, not to the user running the generator \\(0\\)`),
      );
    }
  });

  it('that this generator wrote for this project is finished by the next run, which says so in one line', () => {
    const root = project();
    plantStaging(root, journalOf(root, [{ path: 'notes.txt', staged: '0' }]), { 0: 'finished\n' });
    const run = runEntryPoint([], root);
    expect(run.status, output(run)).to.equal(0);
    expect(output(run)).to.contain(
      `Finished the write an interrupted run of the generator left in ${root} (1 file put in place).\n`,
    );
    expect(readFileSync(join(root, 'notes.txt'), 'utf8')).to.equal('finished\n');
    expect(readdirSync(root)).to.not.include.members([STAGING, LOCK]);
  });
});

describe('a staging folder in a folder above the project', function () {
  this.timeout(300_000);
  before(requireRoot);

  it('planted by another user in a shared folder, is never recovered by a run below it', () => {
    const shared = sharedFolder('shared-');
    const victim = join(mkdtempSync(join(tmpdir(), 'root-owned-')), 'victim');
    writeFileSync(victim, "root's\n");
    const cron = mkdtempSync(join(tmpdir(), 'cron-'));
    chmodSync(cron, 0o755);
    // The other user plants a journal that would delete the root-owned file and place one of theirs.
    asOther(
      `mkdir -m 700 ${STAGING} && printf 'payload\\n' > ${STAGING}/0 && printf '%s' '${JSON.stringify(journalOf(shared, [{ path: victim.slice(1) }, { path: `${cron.slice(1)}/job`, staged: '0' }]))}' > ${STAGING}/journal.json`,
      shared,
    );
    const below = join(shared, 'mine');
    mkdirSync(below);
    const run = runEntryPoint(['--defaults'], below);
    expect(run.status, output(run)).to.equal(0);
    expect(readFileSync(victim, 'utf8')).to.equal("root's\n");
    expect(readdirSync(cron)).to.deep.equal([]);
    expect(readdirSync(join(shared, STAGING)).sort()).to.deep.equal(['0', 'journal.json']);
    expect(existsSync(join(below, PROJECT, 'docker-compose.yml'))).to.equal(true);
  });
});

describe('a planted lock', function () {
  this.timeout(300_000);
  before(requireRoot);

  const refused = (root: string, why: string) => {
    const before = readTree(root);
    const run = runEntryPoint(['--force', '--web-port', '9500'], root);
    expect(run.status, output(run)).to.equal(1);
    const lock = join(root, LOCK);
    expect(output(run)).to.contain(
      `${lock} is not a lock this generator wrote (${why}), so the generator cannot tell whether a run holds the project. If no run of the generator is going on in ${root}, remove it (rm '${lock}'), then run again.`,
    );
    expect(output(run)).to.not.match(/\n\s+at /);
    expect(readTree(root)).to.deep.equal(before);
  };

  it("that is garbage, another user's or a folder is refused, naming it and how to remove it", () => {
    const garbage = project();
    writeFileSync(join(garbage, LOCK), 'not a lock\n');
    refused(garbage, 'it does not hold a process and its start time');
    const notOwner = project();
    writeFileSync(join(notOwner, LOCK), '{"pid":1}\n');
    refused(notOwner, 'it does not hold a process and its start time');
    const other = project();
    writeFileSync(join(other, LOCK), `${JSON.stringify({ pid: 1, start: '1' })}\n`);
    runOk('chown', [`${OTHER}:${OTHER}`, join(other, LOCK)]);
    refused(other, `it belongs to user ${OTHER}, not to the user running the generator (0)`);
    const folder = project();
    mkdirSync(join(folder, LOCK));
    refused(folder, 'it is not a regular file');
  });

  it('naming a live process that started at another time (PID 1) is stale: the run takes it over', () => {
    const root = project();
    writeFileSync(join(root, LOCK), `${JSON.stringify({ pid: 1, start: '1' })}\n`);
    const run = runEntryPoint(['--web-port', '9501'], root);
    expect(run.status, output(run)).to.equal(0);
    expect(readFileSync(join(root, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:9501:8000"');
    expect(existsSync(join(root, LOCK))).to.equal(false);
  });

  it('naming a live process with its own start time holds the project', () => {
    const root = project();
    const sleeper = spawn('sleep', ['60']);
    try {
      const start = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
      writeFileSync(join(root, LOCK), `${JSON.stringify({ pid: sleeper.pid, start })}\n`);
      const run = runEntryPoint([], root);
      expect(run.status, output(run)).to.equal(1);
      expect(output(run)).to.contain(`Another run of the generator (process ${sleeper.pid}) holds ${root}.`);
    } finally {
      sleeper.kill();
    }
  });
});

describe("the project's own folder", function () {
  this.timeout(300_000);
  before(requireRoot);

  it('is refused when it is a symbolic link, and nothing is written where it points', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cli-'));
    const away = mkdtempSync(join(tmpdir(), 'away-'));
    symlinkSync(away, join(cwd, PROJECT));
    const run = runEntryPoint(['--defaults'], cwd);
    expect(run.status, output(run)).to.equal(1);
    expect(output(run)).to.contain(
      `${join(cwd, PROJECT)} is a symbolic link: the generator does not write through links.`,
    );
    expect(readdirSync(away)).to.deep.equal([]);
  });

  it('is not adopted from a planted .yo-rc.json in a folder others can write: the run says so and stops', () => {
    const donor = project();
    const shared = sharedFolder('shared-');
    const answers = readFileSync(join(donor, '.yo-rc.json'), 'utf8');
    asOther(`printf '%s' '${answers.replace(/'/g, '')}' > .yo-rc.json`, shared);
    const below = join(shared, 'mine');
    mkdirSync(below);
    const run = runEntryPoint(['--defaults', '--force'], below);
    expect(run.status, output(run)).to.equal(1);
    expect(output(run)).to.contain(
      `${shared} holds a project of this generator, but the folder: others can write it, so the generator stopped`,
    );
    expect(readdirSync(below)).to.deep.equal([]);
    expect(readdirSync(shared).sort()).to.deep.equal(['.yo-rc.json', 'mine']);
  });

  it("of a new project, holding another user's lock or staging folder, is refused before anything is recovered", () => {
    const shared = sharedFolder('shared-');
    asOther(
      `mkdir -m 755 ${PROJECT} && mkdir -m 700 ${PROJECT}/${STAGING} && printf '{}' > ${PROJECT}/${LOCK}`,
      shared,
    );
    const before = readTree(shared);
    const run = runEntryPoint(['--defaults'], shared);
    expect(run.status, output(run)).to.equal(1);
    expect(output(run)).to.contain(
      `${join(shared, PROJECT)} holds a project of this generator, but the folder: it belongs to user ${OTHER}, not to the user running the generator (0), so the generator stopped`,
    );
    expect(readTree(shared)).to.deep.equal(before);
    expect(readdirSync(join(shared, PROJECT)).sort()).to.deep.equal([STAGING, LOCK]);
  });

  it('is not adopted when another user owns it, even when nobody else can write it', () => {
    const root = project();
    // A staging folder the owner could have planted: never recovered by another user's run.
    plantStaging(root, journalOf(root, [{ path: 'README.md', staged: '0' }]), { 0: 'planted\n' });
    runOk('chown', ['-R', `${OTHER}:${OTHER}`, root]);
    const before = readTree(root);
    for (const run of [runEntryPoint(['--force'], root), runEntryPoint(['--defaults', '--force'], join(root, '..'))]) {
      expect(run.status, output(run)).to.equal(1);
      expect(output(run)).to.contain(
        `${root} holds a project of this generator, but the folder: it belongs to user ${OTHER}, not to the user running the generator (0)`,
      );
    }
    expect(readTree(root)).to.deep.equal(before);
    expect(readFileSync(join(root, 'README.md'), 'utf8')).to.not.equal('planted\n');
  });
});

describe('the production env files, once written', function () {
  this.timeout(300_000);

  it('keep what the user set by hand through a plain re-run and --force, are never asked about, and have no digest in .yo-rc.json', () => {
    const root = project(['--defaults', '--prod']);
    const file = join(root, '.env', '.prod');
    const own = readFileSync(file, 'utf8')
      .replace(/^DJANGO_SECURE_PROXY=0$/m, 'DJANGO_SECURE_PROXY=1')
      .replace(/^EMAIL_HOST_PASSWORD=$/m, 'EMAIL_HOST_PASSWORD=hand-set-mail-pass');
    writeFileSync(file, own);
    for (const args of [[], ['--force'], ['--web-port', '9502']]) {
      const run = runEntryPoint(args, root);
      expect(run.status, output(run)).to.equal(0);
      // A file that nothing may ask about would stop a run without a terminal: it is not asked about, so never shown.
      expect(output(run)).to.not.contain('You changed');
      expect(readFileSync(file, 'utf8'), args.join(' ')).to.equal(own);
    }
    const record = JSON.parse(readFileSync(join(root, '.yo-rc.json'), 'utf8'))[
      'generator-django-celery:files'
    ] as Record<string, string>;
    expect(Object.keys(record)).to.include('docker-compose.prod.yml');
    expect(Object.keys(record).filter(path => path.startsWith('.env/.prod'))).to.deep.equal([]);
  });
});

describe('a staged secret file', function () {
  this.timeout(300_000);
  before(requireRoot);

  /** Runs `create-django-celery ARGS` in `cwd` as the other user, under umask 002 (files 664 unless the code says otherwise), noting each file it stages; the modes and owners the staged production env files had as created. */
  const stagedSecrets = (args: string[], cwd: string): Record<string, { mode: string; uid: number }[]> => {
    const log = join(cwd, '..', `staged-${Date.now()}.log`);
    const ran = runSync(
      'sh',
      ['-c', 'umask 002 && exec "$0" "$@"', process.execPath, '--import', INTERCEPT, ENTRY_POINT, ...args],
      {
        cwd,
        uid: OTHER,
        gid: OTHER,
        env: { ...process.env, HOME: join(cwd, '..'), FORCE_COLOR: '0', INTERCEPT_LOG: log },
      },
    );
    recordOutput(ran.command, output(ran), cwd, args);
    expect(ran.status, output(ran)).to.equal(0);
    const events = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map(
        line =>
          JSON.parse(line) as { event: string; path?: string; from?: string; to?: string; mode?: number; uid?: number },
      );
    const found: Record<string, { mode: string; uid: number }[]> = {};
    for (const move of events.filter(
      event => event.event === 'move' && /\/\.env\/\.prod(\.db)?$/.test(event.to ?? ''),
    )) {
      found[(move.to ?? '').split('/').slice(-2).join('/')] = events
        .filter(event => event.event === 'create' && event.path === move.from)
        .map(event => ({ mode: (event.mode ?? 0).toString(8), uid: event.uid ?? -1 }));
    }
    return found;
  };
  const privateFromCreation = [{ mode: '600', uid: OTHER }];

  it('is created readable by its owner only (600) by the call that creates it, under umask 002, for a new project and a re-run', () => {
    const home = mkdtempSync(join(tmpdir(), 'umask-'));
    const cwd = join(home, 'work');
    mkdirSync(cwd);
    runOk('chown', ['-R', `${OTHER}:${OTHER}`, home]);
    chmodSync(home, 0o700);
    const first = stagedSecrets(['--defaults', '--prod'], cwd);
    expect(Object.keys(first).sort()).to.deep.equal(['.env/.prod', '.env/.prod.db']);
    // Each creating call is noted (writeFileSync opens through openSync): all of them saw 600 and the run's user.
    for (const [file, modes] of Object.entries(first)) {
      expect(modes.length, file).to.be.above(0);
      expect(
        [...new Set(modes.map(mode => JSON.stringify(mode)))].map(mode => JSON.parse(mode)),
        file,
      ).to.deep.equal(privateFromCreation);
    }
    // Made readable by all by hand: a re-run writes them again, privately from the start.
    const root = join(cwd, PROJECT);
    for (const file of ['.env/.prod', '.env/.prod.db']) chmodSync(join(root, file), 0o644);
    const again = stagedSecrets(['--force'], root);
    expect(Object.keys(again).sort()).to.deep.equal(['.env/.prod', '.env/.prod.db']);
    for (const [file, modes] of Object.entries(again)) expect(modes[0], file).to.deep.equal(privateFromCreation[0]);
    for (const file of ['.env/.prod', '.env/.prod.db'])
      expect((lstatSync(join(root, file)).mode & 0o777).toString(8), file).to.equal('600');
  });
});

describe('a re-run giving production values anew', function () {
  this.timeout(300_000);

  /** The summary's sentence about the env files that did not take this run's values, as one line; undefined when it has none. */
  const unappliedLine = (run: { stderr: string }) =>
    /^Kept \.env\/[^\n]*(\n[^\n]+)*/m.exec(run.stderr)?.[0].replace(/\n/g, ' ');

  it('keeps the files the user owns, and says in one sentence which settings to set there by hand, never a secret', () => {
    const root = project(['--defaults', '--prod']);
    const prod = join(root, '.env', '.prod');
    const own = readFileSync(prod, 'utf8');
    const plain = runEntryPoint([], root);
    expect(plain.status, output(plain)).to.equal(0);
    expect(unappliedLine(plain), 'a plain re-run gives nothing anew').to.equal(undefined);
    const given = runEntryPoint(['--allowed-hosts', 'shop.example.com', '--flower-user', 'ops'], root);
    expect(given.status, output(given)).to.equal(0);
    expect(readFileSync(prod, 'utf8')).to.equal(own);
    expect(unappliedLine(given)).to.equal(
      "Kept .env/.prod as it is (yours once written), without this run's new values: to apply them, set DJANGO_ALLOWED_HOSTS=shop.example.com, DJANGO_CSRF_TRUSTED_ORIGINS=https://shop.example.com and CELERY_FLOWER_USER=ops in .env/.prod by hand.",
    );
    // Set by hand as the line says: the next run has nothing more to say.
    writeFileSync(
      prod,
      own
        .replace(/^DJANGO_ALLOWED_HOSTS=.*$/m, 'DJANGO_ALLOWED_HOSTS=shop.example.com')
        .replace(/^DJANGO_CSRF_TRUSTED_ORIGINS=.*$/m, 'DJANGO_CSRF_TRUSTED_ORIGINS=https://shop.example.com')
        .replace(/^CELERY_FLOWER_USER=.*$/m, 'CELERY_FLOWER_USER=ops'),
    );
    const both = runEntryPoint(['--postgres-db', 'shop', '--allowed-hosts', 'shop.example.com'], root);
    expect(both.status, output(both)).to.equal(0);
    expect(unappliedLine(both)).to.equal(
      "Kept .env/.prod and .env/.prod.db as they are (yours once written), without this run's new values: to apply them, set SQL_DATABASE=shop in .env/.prod, and POSTGRES_DB=shop in .env/.prod.db by hand.",
    );
    const prodOnly = runEntryPoint(['prod', '--flower-user', 'ops2'], root);
    expect(prodOnly.status, output(prodOnly)).to.equal(0);
    expect(unappliedLine(prodOnly)).to.contain('set CELERY_FLOWER_USER=ops2 in .env/.prod by hand.');
    for (const run of [plain, given, both, prodOnly]) expect(output(run)).to.not.match(/SECRET_KEY=|PASSWORD=/);
  });
});

describe('a journal or lock of an older version', function () {
  this.timeout(300_000);

  /** The run stops with `message` as the one line it prints, having changed nothing. */
  const refusedInOneLine = (root: string, message: string) => {
    const before = readTree(root);
    const run = runEntryPoint(['--force'], root);
    expect(run.status, output(run)).to.equal(1);
    expect(
      output(run)
        .split('\n')
        .filter(line => line.trim() !== ''),
    ).to.deep.equal([message]);
    expect(readTree(root)).to.deep.equal(before);
  };

  it('a journal that is a bare list, as an older version wrote it, is not acted on: one line says what to do', () => {
    const root = project();
    const away = mkdtempSync(join(tmpdir(), 'outside-'));
    writeFileSync(join(away, 'victim'), "not the project's\n");
    const stage = plantStaging(root, [{ path: join(away, 'victim') }, { path: '../planted', staged: '0' }], {
      0: 'old\n',
    });
    refusedInOneLine(
      root,
      `${stage} holds a journal in the form an older version of this generator wrote (a bare list of files, naming no project), which this version does not act on: nothing in it was used or removed. Look at what it holds; if you did not expect it, remove it (rm -r '${stage}'), then run again: the run writes the project anew.`,
    );
    expect(readFileSync(join(away, 'victim'), 'utf8')).to.equal("not the project's\n");
    expect(existsSync(join(root, '..', 'planted'))).to.equal(false);
  });

  it('a lock holding a process number alone, as an older version wrote it, is refused in one line saying what to do', () => {
    const root = project();
    const lock = join(root, LOCK);
    writeFileSync(lock, `${process.pid}\n`);
    refusedInOneLine(
      root,
      `${lock} is a lock in the form an older version of this generator wrote (a process number alone), which cannot tell whether that process still is the run that took it. If no run of the generator is going on in ${root}, remove it (rm '${lock}'), then run again.`,
    );
  });
});

describe('a secret set by hand that a re-run cannot read back', function () {
  this.timeout(300_000);

  it("stops the run naming the key, the file and the line, never the value, with Compose's reason; the file stays as it is", () => {
    const cases: [string, RegExp][] = [
      ['SECRET_KEY=set-by-hand-$ecretvalue-4711', /cannot be read back \(a \$ followed by/],
      ["SECRET_KEY='set-by-hand-unclosed-4711", /Compose rejects the file/],
    ];
    for (const [line, reason] of cases) {
      const root = project(['--defaults', '--prod']);
      const file = join(root, '.env', '.prod');
      const own = readFileSync(file, 'utf8').replace(/^SECRET_KEY=.*$/m, line);
      writeFileSync(file, own);
      const at = own.split('\n').indexOf(line) + 1;
      const run = runEntryPoint(['--force'], root);
      expect(run.status, output(run)).to.equal(1);
      expect(output(run)).to.contain(`SECRET_KEY in .env/.prod, line ${at}, cannot be read back (`);
      expect(output(run)).to.match(reason);
      expect(output(run)).to.not.contain('set-by-hand');
      expect(readFileSync(file, 'utf8')).to.equal(own);
    }
  });
});

describe("a stored answer named after JavaScript's object machinery", function () {
  this.timeout(300_000);

  it('is refused as a typed one would be, printing no program text', () => {
    for (const [key, value] of [
      ['prod', 'constructor'],
      ['prod', '__proto__'],
      ['publishAll', 'toString'],
    ]) {
      const root = project();
      const file = join(root, '.yo-rc.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
      config['generator-django-celery'][key] = value;
      writeFileSync(file, JSON.stringify(config, null, 2));
      const before = readTree(root);
      const run = runEntryPoint([], root);
      expect(run.status, output(run)).to.equal(1);
      expect(output(run)).to.contain(
        `The stored answer "${key}" in .yo-rc.json: "${value}" is not a boolean (for example false). Fix it, or remove it to be asked again.`,
      );
      expect(output(run)).to.not.match(/\[native code\]|function |=>/);
      expect(readTree(root)).to.deep.equal(before);
    }
  });
});

describe('what a killed run leaves', function () {
  this.timeout(300_000);

  it('the staging folder and the lock, is taken neither by git nor into a Docker build context', () => {
    const root = project(['--defaults', '--prod']);
    plantStaging(root, journalOf(root, [{ path: '.env/.prod', staged: '0' }]), { 0: 'SECRET_KEY=staged\n' });
    writeFileSync(join(root, LOCK), `${JSON.stringify({ pid: 1, start: '1' })}\n`);
    runOk('git', ['init', '-q'], { cwd: root });
    runOk('git', ['add', '-A'], { cwd: root });
    const tracked = runOk('git', ['ls-files'], { cwd: root }).split('\n');
    expect(tracked).to.include('docker-compose.yml');
    expect(tracked.filter(path => path.startsWith('.django-celery') || path.startsWith('.env/.prod'))).to.deep.equal(
      [],
    );
    const ignore = new DockerIgnore(readFileSync(join(root, '.dockerignore'), 'utf8'));
    for (const path of [`${STAGING}/0`, `${STAGING}/journal.json`, LOCK])
      expect(ignore.excludes(path), path).to.equal(true);
    expect(ignore.excludes('manage.py')).to.equal(false);
  });
});

describe('a file-system surprise', function () {
  this.timeout(600_000);

  /** The run stops within seconds with one line naming `path`, what it found and what to do, and no stack trace. */
  const refusedOnce = (root: string, args: string[], message: string) => {
    const run = runEntryPoint(args, root);
    expect(run.status, output(run)).to.equal(1);
    expect(output(run)).to.contain(message);
    expect(
      output(run)
        .trim()
        .split('\n')
        .filter(line => line.trim() !== ''),
    ).to.have.length.below(3);
    expect(output(run)).to.not.match(/\n\s+at |E[A-Z]+: |SyntaxError/);
  };

  it('a pipe, a link to /dev/zero or a huge file where the generator reads a file gets one line, never a hang', () => {
    const cases: [string, (path: string) => void, string][] = [
      [
        '.yo-rc.json',
        path => runOk('mkfifo', [path]),
        'is a named pipe, where the generator reads and writes a file: move it away, then run again.',
      ],
      ['README.md', path => runOk('mkfifo', [path]), 'is a named pipe, where the generator reads and writes a file'],
      ['.env/.prod', path => runOk('mkfifo', [path]), 'is a named pipe, where the generator reads and writes a file'],
      [
        'README.md',
        path => symlinkSync('/dev/zero', path),
        'is a symbolic link, where the generator reads and writes a file',
      ],
      [
        '.env/.prod',
        path => symlinkSync('/dev/zero', path),
        'is a symbolic link, where the generator reads and writes a file',
      ],
      [
        'README.md',
        path => writeFileSync(path, Buffer.alloc(2 * 1024 * 1024, 'a')),
        'is larger than 1024 KiB, where the generator reads and writes a file',
      ],
    ];
    for (const [file, plant, message] of cases) {
      const root = project(['--defaults', '--prod']);
      runOk('rm', ['-f', join(root, file)]);
      plant(join(root, file));
      refusedOnce(root, ['--force'], `${join(root, file)} ${message}`);
    }
  });

  it('a device where the generator reads a file gets one line', () => {
    requireRoot();
    const root = project();
    runOk('rm', [join(root, 'README.md')]);
    runOk('mknod', [join(root, 'README.md'), 'c', '1', '5']);
    refusedOnce(
      root,
      ['--force'],
      `${join(root, 'README.md')} is a device, where the generator reads and writes a file: move it away, then run again.`,
    );
  });

  it('a folder where a file belongs, a file where a folder belongs, a .yo-rc.json with a byte-order mark each get one line', () => {
    const folder = project();
    runOk('rm', [join(folder, 'docker-compose.yml')]);
    mkdirSync(join(folder, 'docker-compose.yml'));
    refusedOnce(
      folder,
      ['--force'],
      `${join(folder, 'docker-compose.yml')} is a folder, where the generator reads and writes a file: move it away, then run again.`,
    );
    const file = project();
    runOk('rm', ['-r', join(file, '.env')]);
    writeFileSync(join(file, '.env'), 'SECRET_KEY=x\n');
    refusedOnce(
      file,
      ['--force'],
      `${join(file, '.env')} is a file, where the generator needs a folder (for ${join(file, '.env/.dev-sample')}): move it away, then run again.`,
    );
    const bom = project();
    writeFileSync(join(bom, '.yo-rc.json'), `\uFEFF${readFileSync(join(bom, '.yo-rc.json'), 'utf8')}`);
    refusedOnce(
      bom,
      [],
      `${join(bom, '.yo-rc.json')} starts with a byte-order mark, which JSON does not allow: save it as UTF-8 without one, then run again.`,
    );
  });
});

describe('a sub-generator after an interrupted write', function () {
  this.timeout(120_000);

  it('first finishes the write, then works from the answers it put in place', () => {
    const root = project();
    const config = JSON.parse(readFileSync(join(root, '.yo-rc.json'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    config['generator-django-celery'].webPort = 9700;
    // The interrupted run had staged its new answers; .yo-rc.json moves last, so it is still staged.
    plantStaging(root, journalOf(root, [{ path: '.yo-rc.json', staged: '0' }]), {
      0: `${JSON.stringify(config, null, 2)}\n`,
    });
    const run = runEntryPoint(['local'], root);
    expect(run.status, output(run)).to.equal(0);
    expect(output(run)).to.contain(
      `Finished the write an interrupted run of the generator left in ${root} (1 file put in place).`,
    );
    expect(readFileSync(join(root, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:9700:8000"');
  });
});

describe('a development password given as an option', function () {
  this.timeout(120_000);

  it('is never printed, by a first run, a re-run or --help', () => {
    const password = 'given-dev-password-4711';
    const first = runEntryPoint(['--defaults', '--prod', `--postgres-password=${password}`]);
    expect(first.status, output(first)).to.equal(0);
    const root = join(first.cwd, PROJECT);
    expect(readFileSync(join(root, '.env', '.dev-sample'), 'utf8')).to.contain(`SQL_PASSWORD=${password}`);
    for (const run of [
      first,
      runEntryPoint(['--postgres-password', password, '--force'], root),
      runEntryPoint(['--help', '--postgres-password', password], root),
    ]) {
      expect(output(run), run.command).to.not.contain(password.slice(0, 12));
    }
  });
});
