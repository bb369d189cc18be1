// Both entry points in a real terminal (tmux), typed into as a user does: answers, an
// invalid answer corrected in place, a taken folder, an existing project, Ctrl-C.
import { stripVTControlCharacters } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ENTRY_POINT, runEntryPoint, yoCommand, yoPlace } from './commands.js';
import { Terminal, flat, lastParagraph, requireTmux } from './terminal.js';

/** The questions after Flower's port, in order. */
const AFTER_FLOWER = [
  'Host port of the mail catcher',
  'Postgres database name',
  'Postgres user',
  'Postgres password',
  'Add the production variant',
];

const CANCELLED = 'Cancelled: nothing was written.';

/** `create-django-celery ARGS` in a terminal in `cwd`. */
const entryPoint = (cwd: string, args: string[] = [], env: Record<string, string> = {}) =>
  new Terminal([process.execPath, ENTRY_POINT, ...args], { cwd, env });

/** Presses Enter at each of `prompts` in turn, as they appear. */
async function acceptDefaults(terminal: Terminal, prompts: string[]): Promise<void> {
  for (const prompt of prompts) {
    await terminal.waitFor(`? ${prompt}`);
    terminal.press('Enter');
  }
}

describe('create-django-celery in a terminal', function () {
  this.timeout(120_000);
  let terminal: Terminal | undefined;
  let cwd: string;

  before(requireTmux);
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'tty-'));
  });
  afterEach(() => terminal?.close());

  it('with its output going to a file, asks nothing where nobody would see it, and says what to pass', async () => {
    terminal = new Terminal(['sh', '-c', 'exec "$0" "$1" > out.txt', process.execPath, ENTRY_POINT], { cwd });
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(1);
    expect(flat(screen)).to.contain(
      'Standard output is not a terminal (a question would not be seen), so nothing can be asked. Pass --project-name,',
    );
    expect(readdirSync(cwd)).to.deep.equal(['out.txt']);
  });

  it('refuses a paste with a line break inside at its prompt, and starts the next question empty', async () => {
    terminal = entryPoint(cwd);
    await acceptDefaults(terminal, [
      'Project name',
      'Host port of the Django',
      'Host port of Flower',
      'Host port of the mail catcher',
      'Postgres database name',
      'Postgres user',
    ]);
    await terminal.waitFor('? Postgres password');
    // A paste: the line break and the text after it reach the program at once.
    terminal.type('pasted\rrest-of-the-paste');
    await terminal.waitFor('The text pasted holds a line break, so only its first line would be taken');
    terminal.press('C-u');
    terminal.type('typed-password');
    terminal.press('Enter');
    await terminal.waitFor('? Add the production variant');
    expect(terminal.rows().at(-1)).to.match(/^\? Add the production variant.*\(y\/N\) ?$/);
    terminal.press('Enter');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.not.contain('rest-of-the-paste');
    const env = readFileSync(join(cwd, 'django_celery_example', '.env', '.dev-sample'), 'utf8');
    expect(env).to.contain('SQL_PASSWORD=typed-password\n');
  });

  it('takes typed answers, corrects invalid ones in place, takes an erased default, and ends with the summary', async () => {
    terminal = entryPoint(cwd);
    await terminal.waitFor('? Project name');
    terminal.type('My-Project');
    terminal.press('Enter');
    await terminal.waitFor('Did you mean my_project?');
    terminal.press('C-u');
    terminal.type('my_project');
    terminal.press('Enter');
    // The default erased: Enter takes it.
    await terminal.waitFor('? Host port of the Django development server');
    terminal.press('BSpace', 'Enter');
    await terminal.waitFor('? Host port of Flower');
    terminal.press('BSpace');
    terminal.type('8010');
    terminal.press('Enter');
    await terminal.waitFor('Port 8010 is already the web port');
    terminal.press('C-u');
    terminal.type('5600');
    terminal.press('Enter');
    await acceptDefaults(terminal, AFTER_FLOWER);
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.contain('Created my_project: 41 files.');
    expect(screen).to.match(/Next, start the development stack:\n {2}cd my_project\n {2}docker compose up -d --build$/);
    const compose = readFileSync(join(cwd, 'my_project', 'docker-compose.yml'), 'utf8');
    expect(compose).to.contain('"127.0.0.1:8010:8000"').and.to.contain('"127.0.0.1:5600:5555"');
  });

  const QUESTIONS = [
    'Project name',
    'Host port of the Django development server',
    'Host port of Flower',
    'Host port of the mail catcher',
    'Postgres database name',
    'Postgres user',
    'Postgres password',
    'Add the production variant',
  ];
  for (const question of ['Project name', 'Postgres password', 'Add the production variant']) {
    it(`on Ctrl-C at "${question}", says in one line that nothing was written and exits 130`, async () => {
      terminal = entryPoint(cwd);
      await acceptDefaults(terminal, QUESTIONS.slice(0, QUESTIONS.indexOf(question)));
      await terminal.waitFor(`? ${question}`);
      terminal.press('C-c');
      const { status, screen } = await terminal.exit();
      expect(status, screen).to.equal(130);
      expect(lastParagraph(screen)).to.equal(CANCELLED);
      expect(screen).not.to.match(/Error|error occured|at .*\.js:\d+/);
      expect(readdirSync(cwd)).to.deep.equal([]);
    });
  }

  it('refuses a taken folder at the prompt and takes another name', async () => {
    mkdirSync(join(cwd, 'taken'));
    writeFileSync(join(cwd, 'taken', 'notes.txt'), 'mine\n');
    terminal = entryPoint(cwd, [
      '--web-port',
      '8010',
      '--flower-port',
      '5557',
      '--mail-port',
      '8025',
      '--postgres-db',
      'db',
      '--postgres-user',
      'u',
      '--postgres-password',
      'pw',
      '--no-prod',
    ]);
    await terminal.waitFor('? Project name');
    terminal.press('C-u');
    terminal.type('taken');
    terminal.press('Enter');
    await terminal.waitFor(
      `${join(cwd, 'taken')} already exists and is not a project of this generator: choose another name.`,
    );
    terminal.press('C-u');
    terminal.type('fresh');
    terminal.press('Enter');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.contain('Created fresh: 41 files.');
    expect(readdirSync(join(cwd, 'taken'))).to.deep.equal(['notes.txt']);
  });

  it('asks whether to update an existing project of its name; no asks the name again, yes updates it', async () => {
    expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
    terminal = entryPoint(cwd);
    await terminal.waitFor('? Project name');
    terminal.press('Enter');
    await terminal.waitFor('? django_celery_example is a project of this generator already. Update it? (Y/n)');
    terminal.type('n');
    terminal.press('Enter');
    await terminal.waitFor(/\? Project name[^\n]*\n*$/);
    terminal.press('Enter');
    await terminal.waitFor(/Update it\? \(Y\/n\)\s*$/);
    terminal.press('Enter');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).not.to.contain('? Host port');
    expect(screen).to.contain('Nothing to write in django_celery_example: every file is up to date.');
    expect(screen).to.match(/ {2}cd django_celery_example\n {2}docker compose up -d --build$/);
  });

  it('on Ctrl-C at the question whether to overwrite a changed file, writes nothing and says what to run again', async () => {
    expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    writeFileSync(join(project, 'requirements.txt'), 'mine\n');
    terminal = entryPoint(project, ['--web-port', '8020']);
    await terminal.waitFor('Overwrite requirements.txt?');
    terminal.press('C-c');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(130);
    expect(lastParagraph(screen)).to.equal(
      'Stopped before writing anything: run `create-django-celery --web-port 8020` again to write the project.',
    );
    // Broken between words for the terminal's 80 columns.
    expect(terminal.rows().slice(-3, -1)).to.deep.equal([
      'Stopped before writing anything: run `create-django-celery --web-port 8020`',
      'again to write the project.',
    ]);
    // Nothing was written: the file changed is as it was, the others as generated.
    expect(readFileSync(join(project, 'requirements.txt'), 'utf8')).to.equal('mine\n');
    expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:8010:8000"');
    expect(screen).not.to.match(/Error|error occured|at .*\.js:\d+/);
    expect(existsSync(join(project, '.yo-rc.json'))).to.equal(true);
  });

  it('prints no colour with NO_COLOR, and colours without it', async () => {
    terminal = entryPoint(cwd, ['--defaults'], { NO_COLOR: '1' });
    expect((await terminal.exit()).status).to.equal(0);
    const plain = terminal.screenWithEscapes();
    expect(plain).to.contain('create django_celery_example/manage.py');
    expect(plain).not.to.match(/\u001b\[[0-9;]*m/);
    terminal.close();
    terminal = entryPoint(mkdtempSync(join(tmpdir(), 'tty-')), ['--defaults']);
    expect((await terminal.exit()).status).to.equal(0);
    expect(terminal.screenWithEscapes()).to.match(/\u001b\[[0-9;]*m/);
  });
});

describe('two first runs of one new project', function () {
  this.timeout(120_000);
  const terminals: Terminal[] = [];
  const QUESTIONS = [
    'Project name',
    'Host port of the Django',
    'Host port of Flower',
    'Host port of the mail catcher',
    'Postgres database name',
    'Postgres user',
    'Postgres password',
  ];

  before(requireTmux);
  afterEach(() => {
    for (const terminal of terminals.splice(0)) terminal.close();
  });

  /** A run in a terminal that has answered every question but the last, and waits at it. */
  async function waitingAtLastQuestion(cwd: string, args: string[] = []): Promise<Terminal> {
    const terminal = entryPoint(cwd, args);
    terminals.push(terminal);
    await acceptDefaults(
      terminal,
      args.includes('--web-port')
        ? QUESTIONS.filter(question => !question.startsWith('Host port of the Django'))
        : QUESTIONS,
    );
    await terminal.waitFor('? Add the production variant');
    return terminal;
  }

  it("a run at a question stops when another creates the project meanwhile; the other's answers and secrets stand", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tty-'));
    const waiting = await waitingAtLastQuestion(cwd, ['--web-port', '9600']);
    const other = runEntryPoint(['--defaults', '--prod'], cwd);
    expect(other.status, other.stderr).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    const written = ['.yo-rc.json', '.env/.prod', '.env/.prod.db', 'docker-compose.yml'].map(file =>
      readFileSync(join(project, file), 'utf8'),
    );
    waiting.press('Enter');
    const { status, screen } = await waiting.exit();
    expect(status, screen).to.equal(1);
    expect(flat(screen)).to.contain(
      `Another run of the generator holds ${project}, which it created after this run began: this run stopped without writing anything.`,
    );
    expect(
      ['.yo-rc.json', '.env/.prod', '.env/.prod.db', 'docker-compose.yml'].map(file =>
        readFileSync(join(project, file), 'utf8'),
      ),
    ).to.deep.equal(written);
  });

  it('answered at the same moment: one writes the project, the other stops saying another run holds it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tty-'));
    const [first, second] = [
      await waitingAtLastQuestion(cwd, ['--web-port', '9601']),
      await waitingAtLastQuestion(cwd, ['--web-port', '9602']),
    ];
    first.press('Enter');
    second.press('Enter');
    const ends = [await first.exit(), await second.exit()];
    expect(ends.map(end => end.status).sort(), ends.map(end => end.screen).join('\n----\n')).to.deep.equal([0, 1]);
    const stopped = ends.find(end => end.status === 1)!;
    expect(flat(stopped.screen)).to.match(
      /Another run of the generator (holds|\(process \d+\) holds) \S+django_celery_example/,
    );
    const port = ends[0].status === 0 ? '9601' : '9602';
    expect(readFileSync(join(cwd, 'django_celery_example', 'docker-compose.yml'), 'utf8')).to.contain(
      `"127.0.0.1:${port}:8000"`,
    );
  });
});

describe('yo django-celery in a terminal', function () {
  this.timeout(120_000);
  let terminal: Terminal | undefined;

  before(requireTmux);
  afterEach(() => terminal?.close());

  it('on Ctrl-C at a question, says in one line that nothing was written and exits 130', async () => {
    const place = yoPlace();
    const { command, env } = yoCommand(['django-celery'], place);
    terminal = new Terminal(command, { cwd: place.cwd, env });
    await acceptDefaults(terminal, ['Project name']);
    await terminal.waitFor('? Host port of the Django development server');
    terminal.press('C-c');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(130);
    expect(lastParagraph(screen)).to.equal(CANCELLED);
    expect(screen).not.to.match(/Error|error occured/);
    expect(readdirSync(place.cwd)).to.deep.equal([]);
  });

  it('prints no colour with NO_COLOR, its status words included, and colours without it', async () => {
    for (const [noColor, coloured] of [
      ['1', false],
      [undefined, true],
    ] as const) {
      const place = yoPlace();
      const { command, env } = yoCommand(['django-celery', '--defaults'], place);
      terminal = new Terminal(command, { cwd: place.cwd, env: noColor ? { ...env, NO_COLOR: noColor } : env });
      const { status, screen } = await terminal.exit();
      expect(status, screen).to.equal(0);
      const shown = terminal.screenWithEscapes();
      expect(stripVTControlCharacters(shown), shown).to.match(/^ +create \S+$/m);
      expect(/\u001b\[[0-9;]*m/.test(shown), `escape codes with NO_COLOR=${noColor}`).to.equal(coloured);
      terminal.close();
    }
  });

  it('takes typed answers and ends with the summary', async () => {
    const place = yoPlace();
    const { command, env } = yoCommand(['django-celery'], place);
    terminal = new Terminal(command, { cwd: place.cwd, env });
    await terminal.waitFor('? Project name');
    terminal.press('C-u');
    terminal.type('typed');
    terminal.press('Enter');
    await acceptDefaults(terminal, ['Host port of the Django', 'Host port of Flower', ...AFTER_FLOWER]);
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.contain('Created typed: 41 files.');
    expect(screen).to.match(/ {2}cd typed\n {2}docker compose up -d --build$/);
  });
});
