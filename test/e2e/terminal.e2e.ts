// Both entry points in a real terminal (tmux), typed into as a user does: answers, an
// invalid answer corrected in place, a taken folder, an existing project, Ctrl-C.
import { stripVTControlCharacters } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ENTRY_POINT, runEntryPoint, yo, yoCommand, yoPlace } from './commands.js';
import {
  AFTER_FLOWER,
  FIRST_RUN_QUESTIONS,
  Terminal,
  acceptDefaults,
  flat,
  lastParagraph,
  requireTmux,
} from './terminal.js';

const CANCELLED = 'Cancelled: nothing was written.';

/** `create-django-celery ARGS` in a terminal in `cwd`. */
const entryPoint = (cwd: string, args: string[] = [], env: Record<string, string> = {}) =>
  new Terminal([process.execPath, ENTRY_POINT, ...args], { cwd, env });

/**
 * Presses Ctrl-C at the question whether to overwrite requirements.txt (changed to
 * `mine`): the run ends with status 130 and the sentence saying to run `typed` again,
 * and has written nothing.
 */
async function cancelAtOverwrite(terminal: Terminal, project: string, typed: string): Promise<void> {
  await terminal.waitFor('Overwrite requirements.txt?');
  terminal.press('C-c');
  const { status, screen } = await terminal.exit();
  expect(status, screen).to.equal(130);
  expect(lastParagraph(screen)).to.equal(
    `Stopped before writing anything: run \`${typed}\` again to write the project.`,
  );
  expect(screen).not.to.match(/Error|error occured|force closed|at .*\.js:\d+/);
  // Nothing was written: the file changed is as it was, the others as generated.
  expect(readFileSync(join(project, 'requirements.txt'), 'utf8')).to.equal('mine\n');
  expect(readFileSync(join(project, 'docker-compose.yml'), 'utf8')).to.contain('"127.0.0.1:8010:8000"');
  expect(existsSync(join(project, '.yo-rc.json'))).to.equal(true);
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

  it('refuses a paste with a line break inside at its prompt, starts the next question empty, and takes only yes-or-no words', async () => {
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
    terminal.replyWith('typed-password');
    await terminal.waitFor('? Add the production variant');
    expect(terminal.rows().at(-1)).to.match(/^\? Add the production variant.*\(y\/N\) ?$/);
    // Only yes-or-no words: a name of JavaScript's object machinery is refused at the prompt.
    terminal.type('constructor');
    terminal.press('Enter');
    await terminal.waitFor('You must answer with "Yes" or "No"');
    terminal.press('C-u');
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
    terminal.replyWith('my_project');
    // The default erased: Enter takes it.
    await terminal.waitFor('? Host port of the Django development server');
    terminal.press('BSpace', 'Enter');
    await terminal.waitFor('? Host port of Flower');
    terminal.press('BSpace');
    terminal.type('8010');
    terminal.press('Enter');
    await terminal.waitFor('Port 8010 is already the web port');
    terminal.replyWith('5600');
    await acceptDefaults(terminal, AFTER_FLOWER);
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.contain('Created my_project: 45 files.');
    expect(screen).to.match(/Next, start the development stack:\n {2}cd my_project\n {2}docker compose up -d --build$/);
    const compose = readFileSync(join(cwd, 'my_project', 'docker-compose.yml'), 'utf8');
    expect(compose).to.contain('"127.0.0.1:8010:8000"').and.to.contain('"127.0.0.1:5600:5555"');
  });

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
    terminal.replyWith('taken');
    await terminal.waitFor(
      `${join(cwd, 'taken')} already exists and is not a project of this generator: choose another name.`,
    );
    terminal.replyWith('fresh');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.contain('Created fresh: 45 files.');
    expect(readdirSync(join(cwd, 'taken'))).to.deep.equal(['notes.txt']);
  });

  it('asks whether to update an existing project of its name; yes updates it', async () => {
    expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
    terminal = entryPoint(cwd);
    await acceptDefaults(terminal, ['Project name']);
    await terminal.waitFor('? django_celery_example is a project of this generator already. Update it? (Y/n)');
    terminal.press('Enter');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).not.to.contain('? Host port');
    expect(screen).to.contain('Nothing to write in django_celery_example: all 45 files are up to date.');
    expect(screen).to.match(/ {2}cd django_celery_example\n {2}docker compose up -d --build$/);
  });

  it('asked again after no, offers a name that is free, and refuses the declined one', async () => {
    expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
    terminal = entryPoint(cwd);
    await acceptDefaults(terminal, ['Project name']);
    await terminal.waitFor('Update it? (Y/n)');
    terminal.type('n');
    terminal.press('Enter');
    await terminal.waitFor('? Project name (the folder and the Django package) (django_celery_example_2)');
    terminal.type('django_celery_example');
    terminal.press('Enter');
    await terminal.waitFor('You chose not to update django_celery_example: choose another name.');
    terminal.press('C-u');
    await acceptDefaults(terminal, FIRST_RUN_QUESTIONS);
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(existsSync(join(cwd, 'django_celery_example_2', 'manage.py'))).to.equal(true);
  });

  it('offers at each port question a default no earlier answer holds, and takes it', async () => {
    terminal = entryPoint(cwd);
    await acceptDefaults(terminal, ['Project name']);
    await terminal.waitFor('? Host port of the Django development server (8010)');
    terminal.replyWith('5557');
    await terminal.waitFor('? Host port of Flower (5558)');
    terminal.press('Enter');
    await acceptDefaults(terminal, AFTER_FLOWER);
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(readFileSync(join(cwd, 'django_celery_example', 'docker-compose.yml'), 'utf8')).to.contain(
      '"127.0.0.1:5558:5555"',
    );
  });

  it('on Ctrl-C at the question whether to overwrite a changed file, writes nothing and says what to run again', async () => {
    expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    writeFileSync(join(project, 'requirements.txt'), 'mine\n');
    terminal = entryPoint(project, ['--web-port', '8020']);
    await cancelAtOverwrite(terminal, project, 'create-django-celery --web-port 8020');
    // Broken between words for the terminal's 80 columns.
    expect(terminal.rows().slice(-3, -1)).to.deep.equal([
      'Stopped before writing anything: run `create-django-celery --web-port 8020`',
      'again to write the project.',
    ]);
  });

  it("at the question whether to overwrite a changed file, shows a diff, but never a secret file's content", async () => {
    const password = 'dev-password-given-0815';
    expect(runEntryPoint(['--defaults', '--postgres-password', password], cwd).status).to.equal(0);
    const project = join(cwd, 'django_celery_example');
    const devEnv = join(project, '.env', '.dev-sample');
    const secretKey = /^SECRET_KEY=(.*)$/m.exec(readFileSync(devEnv, 'utf8'))![1];
    writeFileSync(devEnv, `${readFileSync(devEnv, 'utf8')}# my own note\n`);
    const requirements = readFileSync(join(project, 'requirements.txt'), 'utf8');
    writeFileSync(join(project, 'requirements.txt'), 'mine\n');
    terminal = entryPoint(project, ['--web-port', '8020']);
    // A file without secrets: its diff is shown.
    await terminal.waitFor('Overwrite requirements.txt?');
    terminal.type('d');
    terminal.press('Enter');
    await terminal.waitFor(/^-mine$/m);
    terminal.type('n');
    terminal.press('Enter');
    // The development settings hold the password given and a SECRET_KEY: neither diff nor editor shows them.
    await terminal.waitFor('Overwrite .env/.dev-sample?');
    const withheld = '.env/.dev-sample holds secrets: the generator does not show its content, in a diff or an editor.';
    for (const key of ['d', 'e']) {
      const shown = flat(terminal.screen()).split(withheld).length;
      terminal.type(key);
      terminal.press('Enter');
      await terminal.waitFor(screen => flat(screen).split(withheld).length > shown);
    }
    terminal.type('n');
    terminal.press('Enter');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).not.to.contain(password);
    expect(screen).not.to.contain(secretKey.slice(0, 12));
    expect(screen).not.to.contain('my own note');
    expect(readFileSync(devEnv, 'utf8')).to.contain('# my own note\n');
    // --bail prints the diff of the first changed file and stops: here, the one line instead.
    writeFileSync(join(project, 'requirements.txt'), requirements);
    terminal.close();
    terminal = entryPoint(project, ['--web-port', '8030', '--bail']);
    const bailed = await terminal.exit();
    expect(bailed.status, bailed.screen).to.equal(1);
    expect(flat(bailed.screen)).to.contain(withheld);
    for (const secret of [password, secretKey.slice(0, 12), 'my own note'])
      expect(bailed.screen).not.to.contain(secret);
  });

  it('`prod` in a project: HTTPS chosen from a list (arrow keys), automatic certificates ask for the CA contact and not for a port of nginx', async () => {
    runEntryPoint(['--defaults'], cwd);
    const project = join(cwd, 'django_celery_example');
    terminal = entryPoint(project, ['prod']);
    await terminal.waitFor('? How does HTTPS reach the production site?');
    await terminal.waitFor('auto: Automatic certificates from Caddy');
    terminal.press('Down', 'Down', 'Enter');
    await terminal.waitFor('? Host names the production site answers to');
    terminal.replyWith('localhost');
    await terminal.waitFor('"localhost" cannot get a certificate');
    terminal.replyWith('shop.example.org');
    await acceptDefaults(terminal, ['Flower login name']);
    await terminal.waitFor("? Contact email of the certificate authority's account");
    terminal.type('ops@shop.example.org');
    terminal.press('Enter');
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).not.to.contain('Host port of nginx');
    expect(screen).to.contain('https://shop.example.org/');
    const caddyfile = readFileSync(join(project, 'compose', 'production', 'caddy', 'Caddyfile'), 'utf8');
    expect(caddyfile)
      .to.match(/^shop\.example\.org \{$/m)
      .and.to.match(/^\temail ops@shop\.example\.org$/m);
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

  it('on Ctrl-C at the question whether to overwrite a changed file, writes nothing, says what to run again and exits 130', async () => {
    const place = yoPlace();
    expect(yo(['django-celery', '--defaults'], place).status).to.equal(0);
    const project = join(place.cwd, 'django_celery_example');
    writeFileSync(join(project, 'requirements.txt'), 'mine\n');
    const { command, env } = yoCommand(['django-celery', '--web-port', '8020'], place);
    terminal = new Terminal(command, { cwd: project, env });
    await cancelAtOverwrite(terminal, project, 'yo django-celery --web-port 8020 --no-insight');
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
    terminal.replyWith('typed');
    await acceptDefaults(terminal, ['Host port of the Django', 'Host port of Flower', ...AFTER_FLOWER]);
    const { status, screen } = await terminal.exit();
    expect(status, screen).to.equal(0);
    expect(screen).to.contain('Created typed: 45 files.');
    expect(screen).to.match(/ {2}cd typed\n {2}docker compose up -d --build$/);
  });
});

/** The questions production adds, after "Add the production variant" answered yes, or alone in `prod`. */
const PRODUCTION_QUESTIONS = [
  'How does HTTPS reach the production site',
  'Host port of nginx',
  'Host names the production site',
  'Flower login name',
];

/** How to start an entry point in a terminal, in a new folder; `made`, when set, makes a project there first. */
interface EntryPoint {
  name: string;
  /** The words that run the sub-generator `prod`. */
  prod: string[];
  start(args: string[], made: boolean): { terminal: Terminal; cwd: string };
}

const ENTRY_POINTS: EntryPoint[] = [
  {
    name: 'create-django-celery',
    prod: ['prod'],
    start(args, made) {
      const cwd = mkdtempSync(join(tmpdir(), 'tty-'));
      if (made) expect(runEntryPoint(['--defaults'], cwd).status).to.equal(0);
      return { terminal: entryPoint(made && args[0] === 'prod' ? join(cwd, 'django_celery_example') : cwd, args), cwd };
    },
  },
  {
    name: 'yo django-celery',
    prod: ['django-celery:prod'],
    start(args, made) {
      const place = yoPlace();
      if (made) expect(yo(['django-celery', '--defaults'], place).status).to.equal(0);
      const { command, env } = yoCommand(args.length ? args : ['django-celery'], place);
      const cwd = made && args.length ? join(place.cwd, 'django_celery_example') : place.cwd;
      return { terminal: new Terminal(command, { cwd, env }), cwd: place.cwd };
    },
  },
];

/** Every question a run can ask before it writes: a first run's with production, the update question, and `prod`'s alone. */
const CANCELLABLE: { question: string; before: string[]; made: boolean; prod?: boolean }[] = [
  ...[...FIRST_RUN_QUESTIONS, ...PRODUCTION_QUESTIONS].map((question, index, all) => ({
    question,
    before: all.slice(0, index),
    made: false,
  })),
  { question: 'is a project of this generator already. Update it?', before: ['Project name'], made: true },
  ...PRODUCTION_QUESTIONS.map((question, index) => ({
    question,
    before: PRODUCTION_QUESTIONS.slice(0, index),
    made: true,
    prod: true,
  })),
];

/** Every file and folder under `folder`, with the content of each file. */
function snapshot(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .sort()
    .map(path => {
      const full = join(folder, path);
      return statSync(full).isDirectory() ? `${path}/` : `${path}: ${readFileSync(full, 'utf8')}`;
    });
}

describe('Ctrl-C at each question, through both entry points', function () {
  this.timeout(120_000);
  const terminals: Terminal[] = [];

  before(requireTmux);
  afterEach(() => {
    for (const open of terminals.splice(0)) open.close();
  });

  for (const entry of ENTRY_POINTS) {
    for (const { question, before, made, prod } of CANCELLABLE) {
      const where = prod ? `${entry.prod.join(' ')}'s` : made ? 'the update' : 'the first run';
      it(`${entry.name}, at ${where} question "${question}": one line saying nothing was written, status 130, nothing left behind`, async () => {
        const started = entry.start(prod ? entry.prod : [], made);
        const terminal = started.terminal;
        terminals.push(terminal);
        const before_ = snapshot(started.cwd);
        for (const [index, previous] of before.entries()) {
          await terminal.waitFor(`? ${previous}`, index === 0 ? 30_000 : 20_000);
          // Yes to production, so that its questions come.
          if (previous === 'Add the production variant') terminal.type('y');
          terminal.press('Enter');
        }
        await terminal.waitFor(question, before.length ? 20_000 : 30_000);
        terminal.press('C-c');
        const { status, screen } = await terminal.exit();
        expect(status, screen).to.equal(130);
        // One line after the question (which may take two rows): the sentence, nothing of Yeoman's.
        const after = screen
          .slice(screen.lastIndexOf(question))
          .split(/\n\s*\n/)
          .slice(1)
          // A list's own key help, shown under its choices.
          .filter(paragraph => !/^↑↓ navigate • ⏎ select$/.test(paragraph));
        expect(after, screen).to.deep.equal([CANCELLED]);
        expect(screen).not.to.match(/Error|error occured|force closed|at .*\.js:\d+/);
        // No file, folder, staging folder or lock: the folder is as it was.
        expect(snapshot(started.cwd)).to.deep.equal(before_);
      });
    }
  }
});
