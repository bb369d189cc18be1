import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ANSWERS } from '../src/generators/lib/answers/answers.js';
import { expectRefusal, promptVerdicts, runApp } from './helpers.js';
import { APP_QUESTIONS } from './fixtures.js';

/** Option, rejected value, and what the message must say. */
const REJECTED: [string, string, RegExp][] = [
  ['project-name', 'My-Project', /not a valid project name: use lowercase letters, digits and underscores/],
  ['project-name', 'My-Project', /not a valid project name: .*\. Did you mean my_project\?/],
  ['project-name', '1project', /not a valid project name/],
  ['project-name', '../escape', /not a valid project name/],
  ['project-name', 'django', /cannot be the project name: it is a package the project installs/],
  ['project-name', 'celery', /a package the project installs/],
  ['project-name', 'redis', /a package the project installs/],
  ['project-name', 'polls', /a name the project already uses/],
  [
    'project-name',
    'users',
    /"users" cannot be the project name: it is a name the project already uses.*for example users_project\./,
  ],
  ['project-name', 'test', /a module of the Python standard library/],
  ['project-name', 'json', /a module of the Python standard library/],
  ['project-name', 'class', /a Python keyword/],
  ['project-name', 'a'.repeat(51), /too long for a project name/],
  ['web-port', '0', /not a port: use a whole number from 1 to 65535/],
  ['web-port', '65536', /not a port/],
  ['web-port', '80a', /not a port/],
  ['web-port', '-1', /not a port/],
  ['postgres-db', 'hello-django', /not a valid Postgres database name: use letters, digits and underscores/],
  ['postgres-db', 'my db', /Did you mean my_db\?/],
  ['postgres-user', 'pg_app', /Postgres reserves role names starting with pg_ for its own roles/],
  ['postgres-user', 'PG_App', /reserves role names starting with pg_/],
  ['postgres-db', 'x'.repeat(64), /too long for a Postgres database name/],
  ['postgres-user', 'user name', /not a valid Postgres user name/],
  ['postgres-password', 'line\nbreak', /not control characters such as newlines or tabs/],
  ['postgres-password', 'tab\there', /not control characters/],
  ['postgres-password', ' padded ', /cannot start or end with a space/],
  ['python-version', '2.7', /not a Python version this generator supports: choose one of 3.13, 3.14/],
  ['django-version', '4.2', /choose one of 5.2, 6.1/],
  ['postgres-version', '9', /choose one of 16, 17, 18/],
  ['redis-version', '6', /choose one of 7.4, 8.2/],
];

describe('yo django-celery with an invalid option', () => {
  for (const [option, value, message] of REJECTED) {
    it(`rejects --${option} ${JSON.stringify(value)}, says why, and writes nothing`, () =>
      expectRefusal({ defaults: true, [option]: value }, new RegExp(`--${option}: .*${message.source}`, 's')));
  }

  it('accepts a database name starting with pg_, which Postgres reserves for role names only', async () => {
    const { result, project } = await runApp({ defaults: true, 'postgres-db': 'pg_data' });
    result.assertFileContent(join(project, '.env/.dev-sample'), /^SQL_DATABASE=pg_data$/m);
  });

  for (const [options, message] of [
    [
      { 'web-port': '9000', 'flower-port': '9000' },
      /--flower-port: Port 9000 is already the web port: each published port must be different/,
    ],
    [
      { 'flower-port': '9001', 'mail-port': '9001' },
      /--mail-port: Port 9001 is already the Flower port: each published port must be different/,
    ],
    [{ prod: true, 'web-port': '9002', 'nginx-port': '9002' }, /--nginx-port: Port 9002 is already the web port/],
  ] as const) {
    it(`rejects two answers given one port (${JSON.stringify(options)}), and writes nothing`, () =>
      expectRefusal({ defaults: true, ...options }, message));
  }

  for (const [option, value, message] of [
    ['allowed-hosts', 'example.com/path', /"example.com\/path" is not a host name Django can match/],
    // A URL pasted whole gets its host name as the suggestion.
    ['allowed-hosts', 'https://Shop.example.com:8443/admin', /can match: .* Did you mean shop\.example\.com\?/],
    ['flower-user', 'ad:min', /not a usable Flower login/],
  ] as const) {
    it(`with --prod, rejects --${option} ${JSON.stringify(value)} before writing anything`, () =>
      expectRefusal(
        { defaults: true, prod: true, [option]: value },
        new RegExp(`--${option}: .*${message.source}`, 's'),
      ));
  }

  it('accepts a password of any printable text, unicode included', async () => {
    const { project } = await runApp({ defaults: true, 'postgres-password': `Ünïcødé pässwörd €$ 密码` });
    expect(existsSync(join(project, 'docker-compose.yml'))).to.equal(true);
  });
});

describe('yo django-celery answering prompts', () => {
  /** Answers to the prompts no test checks the validator of. */
  const APP_PROMPTS = { answers: { postgresPassword: 'pw', prod: false } };

  it('asks every question and uses the answers', async () => {
    const { result, project } = await runApp(
      { interactive: true },
      {
        projectName: 'asked',
        webPort: '8100',
        flowerPort: '8200',
        mailPort: '8300',
        postgresDb: 'asked_db',
        postgresUser: 'asked_user',
        postgresPassword: 'asked pw',
        prod: false,
      },
    );
    expect(result.askedQuestions.map(asked => asked.name)).to.deep.equal(APP_QUESTIONS);
    expect(project.endsWith('asked')).to.equal(true);
    result.assertFileContent(join(project, 'docker-compose.yml'), '"127.0.0.1:8100:8000"');
    result.assertFileContent(join(project, 'docker-compose.yml'), '"127.0.0.1:8300:8025"');
    result.assertFileContent(join(project, '.env/.dev-sample'), 'SQL_PASSWORD="asked pw"');
  });

  it('takes the default password when its prompt is left empty', async () => {
    const { result, project } = await runApp(
      { interactive: true, defaults: false },
      { postgresPassword: '', prod: false },
    );
    result.assertFileContent(join(project, '.env/.dev-sample'), /^SQL_PASSWORD=hello_django$/m);
  });

  it('re-asks a prompt with the same message as the option when the answer is invalid', async () => {
    const verdicts = await promptVerdicts(
      'app',
      {
        projectName: 'Bad Name',
        webPort: '70000',
        postgresDb: 'bad-db',
        postgresUser: 'pg_user',
        postgresPassword: 'new\nline',
      },
      APP_PROMPTS,
    );
    expect(verdicts.projectName).to.match(/"Bad Name" is not a valid project name/);
    expect(verdicts.webPort).to.match(/"70000" is not a port/);
    expect(verdicts.postgresDb).to.match(/not a valid Postgres database name/);
    expect(verdicts.postgresUser).to.match(/reserves role names starting with pg_/);
    expect(verdicts.postgresPassword).to.match(/not control characters/);
  });

  it('rejects a Flower port equal to the web port just answered', async () => {
    const verdicts = await promptVerdicts('app', { flowerPort: '8010' }, APP_PROMPTS);
    expect(verdicts.flowerPort).to.match(/already the web port/);
  });
});

describe('the answers table', () => {
  it('gives every answer a kebab-case option, a message and a valid default', () => {
    for (const spec of ANSWERS) {
      expect(spec.option, spec.name).to.match(/^[a-z]+(-[a-z]+)*$/);
      expect(spec.message, spec.name).to.have.length.above(5);
      if (typeof spec.default !== 'boolean' && !('choices' in spec && spec.choices)) {
        expect(spec, `${spec.name}: what --help shows for it`).to.include.keys('placeholder', 'accepts');
      }
      if (spec.default === '' && 'when' in spec && spec.validate('', {}) !== true) {
        // No default: an answer needed only in some cases (the CA's contact) says how to give it.
        expect(spec.validate('', {}), spec.name).to.contain(`use --${spec.option}`);
      } else {
        expect(spec.validate(String(spec.default), {}), spec.name).to.equal(true);
      }
    }
  });
});

describe("yo django-celery --defaults with an option that takes a default's port", () => {
  for (const [options, taken] of [
    [{ 'web-port': '5557' }, { webPort: 5557, flowerPort: 5558, mailPort: 8025 }],
    [
      { 'flower-port': '8010', 'mail-port': '8011' },
      { webPort: 8012, flowerPort: 8010, mailPort: 8011 },
    ],
    [
      { 'web-port': '1337', prod: true },
      { webPort: 1337, nginxPort: 1338 },
    ],
  ] as const) {
    it(`gives the default the next free port (${JSON.stringify(options)})`, async () => {
      const { project } = await runApp({ defaults: true, ...options });
      const stored = JSON.parse(readFileSync(join(project, '.yo-rc.json'), 'utf8'))['generator-django-celery'];
      expect(stored).to.include(taken);
    });
  }
});

describe("each port option's help, against its validator", () => {
  const ports = ANSWERS.filter(spec => spec.placeholder === '<port>');
  const LABELS: Record<string, string> = {
    webPort: 'web',
    flowerPort: 'Flower',
    mailPort: 'mail catcher',
    nginxPort: 'nginx',
  };

  it('names exactly the ports whose number its validator refuses to share', () => {
    expect(ports.map(spec => spec.name).sort()).to.deep.equal(Object.keys(LABELS).sort());
    for (const spec of ports) {
      const refused = ports
        .filter(other => other !== spec)
        .filter(other => spec.validate('4242', { [other.name]: 4242 }) !== true)
        .map(other => LABELS[other.name]);
      expect(refused, spec.name).to.have.length(ports.length - 1);
      const named = Object.values(LABELS).filter(label => new RegExp(`\\b${label}\\b`).test(spec.accepts ?? ''));
      expect(named.sort(), `--${spec.option}: "${spec.accepts}"`).to.deep.equal(refused.sort());
    }
  });
});

describe("each option's help (`accepts`), against its validator", () => {
  /**
   * For every option whose help says what it accepts: values that the help promises to
   * take, and values that it rules out, each checked by the option's own validator.
   * An option whose help says more, or less, than its validator does fails here.
   */
  const CLAIMS: Record<string, { ok: string[]; refused: string[] }> = {
    projectName: {
      ok: ['a', 'shop_2', 'a'.repeat(50)],
      refused: ['Shop', '2shop', 'shop-app', 'a'.repeat(51), 'class', 'json', 'polls'],
    },
    webPort: { ok: ['1', '8010', '65535'], refused: ['0', '65536', 'http', '80.5'] },
    flowerPort: { ok: ['1', '65535'], refused: ['0', '65536'] },
    mailPort: { ok: ['1', '65535'], refused: ['0', '65536'] },
    nginxPort: { ok: ['80', '65535'], refused: ['0', '65536'] },
    hostUid: { ok: ['0', '1000'], refused: ['abc', '-1', '10.5'] },
    hostGid: { ok: ['0', '1000'], refused: ['abc', '-1'] },
    postgresDb: {
      ok: ['Shop_db1', '_x', 'a'.repeat(63)],
      refused: ['1db', 'shop-db', 'shöp', 'a'.repeat(64)],
    },
    postgresUser: {
      ok: ['Shop_user1', 'a'.repeat(63)],
      refused: ['pg_user', '1user', 'shop-user', 'a'.repeat(64)],
    },
    postgresPassword: {
      ok: ['x', `p@ss $HOME #1 'q' "d" \\back`, 'a'.repeat(128)],
      refused: ['', ' leading', 'trailing ', 'a'.repeat(129), 'tab\there', 'line\nbreak'],
    },
    allowedHosts: {
      ok: ['example.com', '.example.com', '127.0.0.1', '[::1]', '*', 'example.com www.example.com'],
      refused: ['http://example.com', 'example.com/path', 'example.com:8000', 'exa_mple!', ''],
    },
    flowerUser: {
      ok: ['ops', 'a.b-c_d', 'a'.repeat(64)],
      refused: ['', 'a b', 'a'.repeat(65), 'ops:admin'],
    },
    acmeEmail: {
      ok: ['ops@shop.example.org', 'first.last+tls@mail.co.uk'],
      refused: ['', 'ops', 'ops@', '@shop.org', 'Ops <ops@shop.org>', 'ops@shop.org, b@c.org', 'ops@example.com'],
    },
    acmeCa: {
      ok: ['https://acme-staging-v02.api.letsencrypt.org/directory', 'https://127.0.0.1:14000/dir'],
      refused: ['http://acme.example/dir', 'acme-v02.api.letsencrypt.org', 'https://a b/dir', ''],
    },
    imageRegistry: {
      ok: ['registry.example.com/team', 'localhost:5000', 'r.example/a/b-c'],
      refused: ['Registry.example.com', 'https://r.example', 'r.example/Team', 'r.example:port', ''],
    },
    imageName: {
      ok: ['', 'shop', 'team/shop-backend', 'a.b_c-d'],
      refused: ['Shop', 'shop backend', '-shop', 'shop/', 'a'.repeat(129)],
    },
    imageTag: {
      ok: ['1.4.0', 'v2', 'abc1234', '2026.12.1', 'a'.repeat(55)],
      refused: ['latest', 'V1', '1_0', '-1', '1.0-', 'a'.repeat(56), ''],
    },
    ingressHost: {
      ok: ['localhost', '*.example.com', 'Example.COM'],
      refused: ['127.0.0.1', 'https://example.com', 'example.com:443', 'exa_mple.com', ''],
    },
    ingressClass: {
      ok: ['nginx', 'traefik', 'a-1', 'a'.repeat(63)],
      refused: ['Nginx', 'nginx.io', '-nginx', 'a'.repeat(64), ''],
    },
  };

  it('has claims for every option whose help says what it accepts', () => {
    const described = ANSWERS.filter(spec => spec.accepts !== undefined && !('choices' in spec && spec.choices));
    expect(described.map(spec => spec.name).sort()).to.deep.equal(Object.keys(CLAIMS).sort());
  });

  for (const [name, { ok, refused }] of Object.entries(CLAIMS)) {
    it(`${name}: takes what its help promises, and refuses what its help rules out`, () => {
      const spec = ANSWERS.find(candidate => candidate.name === name)!;
      for (const value of ok) expect(spec.validate(value, {}), `${name} ${JSON.stringify(value)}`).to.equal(true);
      for (const value of refused)
        expect(spec.validate(value, {}), `${name} ${JSON.stringify(value)}`).to.be.a('string');
    });
  }
});
