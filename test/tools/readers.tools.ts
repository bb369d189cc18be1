// The readers this tier writes itself (Dockerfile, .dockerignore), checked on small
// inputs before they judge generated projects.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { localEnvironment, unescapeDollars, type ComposeConfig } from '../support/compose.js';
import { buildFromContext, parseDockerfile } from '../support/dockerfile.js';
import { DockerIgnore } from '../support/dockerignore.js';

describe('the Dockerfile reader', () => {
  it('joins continuation lines, dropping comment lines inside them', () => {
    const file = parseDockerfile(
      'FROM python:3.13-slim\nRUN apt-get update \\\n# a comment\n  && apt-get install -y gettext\n',
      'Dockerfile',
    );
    expect(file.instructions.map(i => [i.keyword, i.args, i.line])).to.deep.equal([
      ['FROM', 'python:3.13-slim', 1],
      ['RUN', 'apt-get update   && apt-get install -y gettext', 2],
    ]);
  });

  it('reads stages named with AS, in any case', () => {
    const file = parseDockerfile(
      'FROM python:3.13 as Builder\nRUN true\nFROM python:3.13-slim AS run\nCOPY --from=builder /w /w\n',
      'Dockerfile',
    );
    expect(file.stages.map(stage => [stage.name, stage.base])).to.deep.equal([
      ['builder', 'python:3.13'],
      ['run', 'python:3.13-slim'],
    ]);
  });

  it('fails on an unknown instruction, naming the line', () => {
    expect(() => parseDockerfile('FROM alpine\nCOPPY a /a\n', 'x/Dockerfile')).to.throw(
      /x\/Dockerfile:2: unknown instruction COPPY/,
    );
  });

  it('fails on a file that ends inside a continuation', () => {
    expect(() => parseDockerfile('FROM alpine\nRUN true \\\n', 'Dockerfile')).to.throw(
      /ends inside a line continuation/,
    );
  });

  it('fails on a FROM that is not "image [AS name]", a COPY --from of no stage, an unknown COPY flag', () => {
    expect(() => parseDockerfile('FROM alpine AS\n', 'Dockerfile')).to.throw(/FROM takes/);
    expect(() => parseDockerfile('FROM alpine\nCOPY --from=nowhere /a /a\n', 'Dockerfile')).to.throw(
      /names no earlier stage/,
    );
    expect(() =>
      parseDockerfile(
        'FROM a AS builder\nFROM b\nRUN --mount=type=bind,from=buidler,source=/w,target=/w true\n',
        'Dockerfile',
      ),
    ).to.throw(/"buidler", which names no earlier stage/);
    expect(() => parseDockerfile('FROM alpine\nCOPY --chmode=755 a /a\n', 'Dockerfile')).to.throw(
      /has no flag --chmode/,
    );
  });

  it('fails on an instruction before the first FROM other than ARG', () => {
    expect(() => parseDockerfile('ARG V=3\nRUN true\nFROM alpine\n', 'Dockerfile')).to.throw(
      /RUN before the first FROM/,
    );
  });

  describe('on a build context', () => {
    const context = mkdtempSync(join(tmpdir(), 'context-'));
    const write = (path: string, text = 'x', mode = 0o644) => {
      mkdirSync(dirname(join(context, path)), { recursive: true });
      writeFileSync(join(context, path), text);
      chmodSync(join(context, path), mode);
    };
    write('requirements.txt');
    write('scripts/start', '#!/bin/sh\n');
    write('scripts/entrypoint', '#!/bin/sh\n', 0o755);
    write('app/manage.py');
    write('app/__pycache__/x.pyc');
    write('.env/.prod');
    write('.dockerignore', '**/__pycache__\n.env\n');
    const build = (text: string) => buildFromContext(parseDockerfile(text, join(context, 'Dockerfile')), context);
    after(() => rmSync(context, { recursive: true, force: true }));

    it('maps each copied file to its path in the image, following WORKDIR and ENV', () => {
      const image = build(
        'FROM a AS base\nENV HOME_DIR=/home/app\nWORKDIR $HOME_DIR\nCOPY app .\nFROM base\nCOPY scripts/start /start\nCOPY requirements.txt scripts/entrypoint /opt/\n',
      );
      expect([...image.files.keys()].sort()).to.deep.equal([
        '/home/app/manage.py',
        '/opt/entrypoint',
        '/opt/requirements.txt',
        '/start',
      ]);
      expect(image.problems).to.deep.equal([]);
    });

    it('knows which files end up executable: by mode, --chmod, or RUN chmod', () => {
      const image = build(
        'FROM a\nCOPY scripts/start /start\nCOPY scripts/entrypoint /entrypoint\nCOPY --chmod=755 scripts/start /s2\nCOPY scripts/start /s3\nRUN sed -i "s/x//" /s3 && chmod +x /s3\n',
      );
      expect(Object.fromEntries([...image.files].map(([path, file]) => [path, file.executable]))).to.deep.equal({
        '/start': false,
        '/entrypoint': true,
        '/s2': true,
        '/s3': true,
      });
    });

    it('reports sources that are missing or left out by .dockerignore, and skips COPY --from', () => {
      const image = build('FROM a AS one\nFROM a\nCOPY missing.txt /m\nCOPY .env/.prod /p\nCOPY --from=one /x /x\n');
      expect(image.problems).to.have.length(2);
      expect(image.problems[0]).to.match(/:3: missing.txt does not exist/);
      expect(image.problems[1]).to.match(/:4: \.env\/\.prod is left out of the build context by \.dockerignore/);
    });
  });
});

describe('the .dockerignore reader', () => {
  const ignore = new DockerIgnore(
    [
      '# comment',
      '.git',
      '**/__pycache__',
      '**/*.py[cod]',
      '/staticfiles',
      'celerybeat-schedule*',
      '.env',
      '!.env/.keep',
      'docs/*.md',
    ].join('\n'),
  );

  /** Whether the reader leaves out each path (true) or keeps it (false). */
  const expectVerdicts = (verdicts: Record<string, boolean>) => {
    for (const [path, excluded] of Object.entries(verdicts)) expect(ignore.excludes(path), path).to.equal(excluded);
  };

  it('leaves out a folder with everything in it', () => {
    expectVerdicts({ '.git/config': true, '.env/.prod': true, 'staticfiles/admin/base.css': true });
  });

  it('matches ** across any number of folders, including none', () => {
    expectVerdicts({
      '__pycache__/a.pyc': true,
      'polls/migrations/__pycache__/x.cpython-313.pyc': true,
      'polls/views.pyo': true,
    });
  });

  it('keeps * within one folder', () => {
    expectVerdicts({
      'celerybeat-schedule.db': true,
      'app/celerybeat-schedule.db': false,
      'docs/readme.md': true,
      'docs/api/readme.md': false,
    });
  });

  it('takes a file back with a later ! rule', () => {
    expectVerdicts({ '.env/.keep': false });
  });

  it('keeps what no rule names, and the context itself', () => {
    expectVerdicts({ 'manage.py': false, 'compose/production/django/start': false, '.': false });
  });
});

describe('reading what Compose resolved', () => {
  it('gives back a literal $ that config prints as $$', () => {
    expect(unescapeDollars('a$$b $${X} $$$$')).to.equal('a$b ${X} $$');
  });

  it('points service host names at localhost for running code on this machine', () => {
    const config: ComposeConfig = {
      name: 'p',
      services: {
        db: {},
        redis: {},
        web: {
          environment: { SQL_HOST: 'db', CELERY_BROKER: 'redis://redis:6379/0', SQL_PASSWORD: 'db$$x', OTHER: 'redis' },
        },
      },
    };
    expect(localEnvironment(config, 'web')).to.deep.equal({
      SQL_HOST: 'localhost',
      CELERY_BROKER: 'redis://localhost:6379/0',
      SQL_PASSWORD: 'db$x',
      OTHER: 'localhost',
    });
  });
});
