import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { takeOverStale } from '../src/generators/lib/files/commit.js';
import { badEntryPath, isStagingName, readJournalText, WRITER } from '../src/generators/lib/files/trust.js';

const ROOT = '/home/me/shop';
const journal = (entries: unknown, extra: object = {}) => ({ writer: WRITER, root: ROOT, entries, ...extra });

describe('the entries of a journal', () => {
  for (const path of ['docker-compose.yml', '.env/.prod', 'shop/settings/base.py', '.yo-rc.json']) {
    it(`accepts ${path}`, () => expect(badEntryPath(path)).to.equal(undefined));
  }
  const refused: [unknown, RegExp][] = [
    ['../x', /leads out of the project/],
    ['a/../../x', /leads out of the project/],
    ['/etc/cron.d/x', /is an absolute path/],
    ['a\0b', /NUL/],
    ['a//b', /not a normalised path/],
    ['./a', /not a normalised path/],
    ['a/', /not a normalised path/],
    ['', /missing/],
    [42, /missing/],
    ['a\\..\\b', /backslash/],
    ['.django-celery-staging/journal.json', /inside the staging folder/],
    ['.django-celery-staging', /inside the staging folder/],
    ['.django-celery.lock', /is the lock/],
  ];
  for (const [path, why] of refused) {
    it(`refuses ${JSON.stringify(path)}`, () => expect(badEntryPath(path)).to.match(why));
  }
});

describe('a journal', () => {
  it('is read when this generator wrote it for this folder', () => {
    const read = readJournalText(journal([{ path: 'a', staged: '0' }, { path: 'b' }]), ROOT);
    expect(read).to.deep.equal({ writer: WRITER, root: ROOT, entries: [{ path: 'a', staged: '0' }, { path: 'b' }] });
  });
  const refused: [unknown, RegExp][] = [
    [[{ path: 'a', staged: '0' }], /not an object this generator writes/],
    [null, /not an object/],
    [{ root: ROOT, entries: [] }, /not written by this generator/],
    [journal([], { root: '/tmp' }), /written for another folder \(\/tmp\)/],
    [journal('x'), /lists no entries/],
    [journal([{ path: '../../etc/passwd', staged: '0' }]), /leads out of the project/],
    [journal([{ path: 'a', staged: '../x' }]), /staged name of "a" is not one this generator gives/],
    [journal([{ path: 'a', staged: 0 }]), /staged name/],
    [
      journal([
        { path: 'a', staged: '0' },
        { path: 'b', staged: '0' },
      ]),
      /staged file 0 is listed twice/,
    ],
    [journal([{ path: 'a' }, { path: 'a' }]), /"a" is listed twice/],
    [journal([{ path: 'a', recursive: true }]), /unknown field/],
    [journal(['a']), /not an object/],
  ];
  for (const [parsed, why] of refused) {
    it(`is refused: ${JSON.stringify(parsed)}`, () => expect(readJournalText(parsed, ROOT)).to.match(why));
  }
});

describe('the names a staging folder may hold', () => {
  it('are the journal, staged files and what each move replaced', () => {
    for (const name of ['journal.json', 'journal.json.new', '0', '12', 'old-3'])
      expect(isStagingName(name), name).to.equal(true);
    for (const name of ['x', '01', '-1', 'old-', 'journal.json.bak', '..', 'old-01'])
      expect(isStagingName(name), name).to.equal(false);
  });
});

describe('taking over a stale lock', () => {
  it('is done by one run only: a run that judged the lock stale before another took it over leaves the new lock in place', () => {
    const folder = mkdtempSync(join(tmpdir(), 'lock-'));
    const file = join(folder, '.django-celery.lock');
    const stale = `${JSON.stringify({ pid: 999_999, start: '1' })}\n`;
    writeFileSync(file, stale);
    // Both runs read the stale lock; the first takes it over and writes its own; the second then takes over what it judged.
    takeOverStale(file, stale);
    expect(existsSync(file)).to.equal(false);
    const live = `${JSON.stringify({ pid: process.pid, start: 'first run' })}\n`;
    writeFileSync(file, live, { flag: 'wx' });
    takeOverStale(file, stale);
    expect(readFileSync(file, 'utf8')).to.equal(live);
    expect(readdirSync(folder)).to.deep.equal(['.django-celery.lock']);
  });
});
