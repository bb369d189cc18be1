// The lock: constraints.txt pins the whole closure of the project's requirements, one
// exact version per distribution, and every image installs with it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { lockKeys, readLock } from '../src/generators/lib/values/locks.js';
import { RESERVED_PACKAGE_NAMES } from '../src/generators/lib/answers/python-names.js';
import {
  DJANGO_PINS,
  DJANGO_VERSIONS,
  PACKAGE_PINS,
  PYTHON_VERSIONS,
  RETIRED_PYTHON_VERSIONS,
  WATCHFILES_PINS,
  type PythonVersion,
} from '../src/generators/lib/values/versions.js';
import { fixedSecrets, read, runApp, runGenerator } from './helpers.js';

const PYTHONS: PythonVersion[] = [...PYTHON_VERSIONS, ...(Object.keys(RETIRED_PYTHON_VERSIONS) as PythonVersion[])];

describe('the locks', () => {
  it('are made for every Python, Django line and beat scheduler, the database one where django-celery-beat supports Django', () => {
    const keys = lockKeys().map(({ python, django, beat }) => `${python}/${django}/${beat}`);
    expect(keys).to.have.length(PYTHONS.length * DJANGO_VERSIONS.length + PYTHONS.length);
    expect(keys).to.include('3.13/5.2/database').and.not.include('3.13/6.1/database');
  });

  for (const { python, django, beat } of lockKeys()) {
    it(`of Python ${python}, Django ${django} and the ${beat} scheduler pin each distribution once, at an exact version, the direct requirements at their pins`, () => {
      const { text, pins } = readLock(python, django, beat);
      const names = text
        .split('\n')
        .filter(line => /^\S/.test(line) && !line.startsWith('#'))
        .map(line => line.split('==')[0]);
      expect(names.length, 'distributions').to.be.greaterThan(20);
      expect(new Set(names).size, 'each distribution once').to.equal(names.length);
      for (const line of text.split('\n').filter(l => /^\S/.test(l) && !l.startsWith('#')))
        expect(line).to.match(/^[a-z0-9-]+==[0-9][0-9a-z.]*$/);
      expect(pins.get('django')).to.equal(DJANGO_PINS[django]);
      expect(pins.get('celery')).to.equal(PACKAGE_PINS.celery);
      expect(pins.get('flower')).to.equal(PACKAGE_PINS.flower);
      expect(pins.get('psycopg')).to.equal(PACKAGE_PINS.psycopg);
      expect(pins.get('psycopg-binary')).to.equal(PACKAGE_PINS.psycopg);
      expect(pins.get('gunicorn')).to.equal(PACKAGE_PINS.gunicorn);
      expect(pins.get('watchfiles')).to.equal(WATCHFILES_PINS[python]);
      // What Celery's Redis extra brings, which the worker imports at start.
      for (const name of ['kombu', 'redis', 'packaging', 'billiard', 'vine', 'amqp', 'click', 'tzdata'])
        expect(pins.has(name), name).to.equal(true);
      expect(pins.get('django-celery-beat')).to.equal(beat === 'database' ? PACKAGE_PINS.djangoCeleryBeat : undefined);
    });
  }
});

describe('yo django-celery --python-version 3.14 --django-version 6.1', () => {
  it("writes 3.14's lock, with its watchfiles, and Django 6.1's pin", async () => {
    const { project } = await runApp({ defaults: true, 'python-version': '3.14', 'django-version': '6.1' });
    expect(read(project, 'requirements-dev.txt')).to.contain('\nwatchfiles==1.2.0\n');
    expect(read(project, 'requirements.txt')).to.contain('\nDjango==6.1.3\n');
    expect(read(project, 'constraints.txt')).to.contain('\nwatchfiles==1.2.0\n');
    expect(read(project, 'compose/local/django/Dockerfile')).to.match(/^FROM python:3\.14-slim-trixie\n/);
  });
});

describe('a project that stores Python 3.12, regenerated in place', () => {
  it("keeps 3.12: its image, and 3.12's lock", async () => {
    const { project } = await runApp({ defaults: true });
    const file = join(project, '.yo-rc.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    config['generator-django-celery'].pythonVersion = '3.12';
    writeFileSync(file, JSON.stringify(config));
    await runGenerator('app').withOptions({ secretSource: fixedSecrets, force: true }).cd(project);
    expect(read(project, 'compose/local/django/Dockerfile')).to.match(/^FROM python:3\.12-slim-trixie\n/);
    expect(read(project, 'constraints.txt').endsWith(readLock('3.12', '5.2').text)).to.equal(true);
    expect(read(project, 'constraints.txt')).to.contain('\ntyping-extensions==');
  });
});

describe('the names a project cannot take', () => {
  it('include the import name of every distribution a lock installs', () => {
    // The import name where it is not the distribution's name with `-` as `_`.
    const IMPORTED_AS: Record<string, string> = {
      'python-dateutil': 'dateutil',
      'python-crontab': 'crontab',
      'django-timezone-field': 'timezone_field',
    };
    for (const { python, django, beat } of lockKeys()) {
      for (const name of readLock(python, django, beat).pins.keys()) {
        const module = IMPORTED_AS[name] ?? name.replaceAll('-', '_');
        expect(
          RESERVED_PACKAGE_NAMES.has(module),
          `${module} (${name}, locked for Python ${python} and Django ${django})`,
        ).to.equal(true);
      }
    }
  });
});
