// .github/dependabot.yml of a generated project: only keys and values Dependabot's
// configuration reference (version 2) has, and an update for every manifest the project
// pins something in: the requirements and the lock, each Dockerfile's base image, the
// Compose files' images and the workflow's actions.
import { expect } from 'chai';
import { parse } from 'yaml';
import { readTree, runApp } from './helpers.js';
import { AUTO_HTTPS } from './fixtures.js';

const TOP_KEYS = ['version', 'updates', 'registries', 'enable-beta-ecosystems', 'multi-ecosystem-groups'];
const UPDATE_KEYS = [
  'package-ecosystem',
  'directory',
  'directories',
  'schedule',
  'allow',
  'assignees',
  'commit-message',
  'cooldown',
  'exclude-paths',
  'groups',
  'ignore',
  'insecure-external-code-execution',
  'labels',
  'milestone',
  'multi-ecosystem-group',
  'open-pull-requests-limit',
  'patterns',
  'pull-request-branch-name',
  'rebase-strategy',
  'registries',
  'reviewers',
  'target-branch',
  'vendor',
  'versioning-strategy',
];
const SCHEDULE_KEYS = ['interval', 'day', 'time', 'timezone', 'cronjob'];
const IGNORE_KEYS = ['dependency-name', 'versions', 'update-types'];
const UPDATE_TYPES = ['version-update:semver-major', 'version-update:semver-minor', 'version-update:semver-patch'];
const INTERVALS = ['daily', 'weekly', 'monthly', 'quarterly', 'semiannually', 'yearly', 'cron'];
/** The `package-ecosystem` values of Dependabot's reference. */
const ECOSYSTEMS = [
  'bun',
  'bundler',
  'cargo',
  'composer',
  'devcontainers',
  'docker',
  'docker-compose',
  'dotnet-sdk',
  'elm',
  'gitsubmodule',
  'github-actions',
  'gomod',
  'gradle',
  'helm',
  'maven',
  'mix',
  'npm',
  'nuget',
  'pip',
  'pub',
  'swift',
  'terraform',
  'uv',
];
/** The files Dependabot's docker-compose ecosystem reads in a directory (dependabot-core's file fetcher). */
const COMPOSE_FILE = /^(docker-)?compose(\.[\w-]+)?\.ya?ml$/i;

interface Update {
  'package-ecosystem': string;
  directory?: string;
  directories?: string[];
  schedule: { interval: string };
  ignore?: Array<{ 'dependency-name': string; 'update-types'?: string[] }>;
}

/** Every key and value of the file that Dependabot's reference does not have, one line each. */
function unknownSettings(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const unknown = (where: string, value: unknown, known: string[]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: a mapping, not ${JSON.stringify(value)}`);
      return;
    }
    for (const key of Object.keys(value)) if (!known.includes(key)) problems.push(`${where}: unknown key ${key}`);
  };
  unknown('the file', config, TOP_KEYS);
  if (config.version !== 2) problems.push(`version: 2, not ${JSON.stringify(config.version)}`);
  if (!Array.isArray(config.updates) || config.updates.length === 0) return [...problems, 'updates: a list, empty'];
  (config.updates as Update[]).forEach((update, index) => {
    const where = `updates[${index}]`;
    unknown(where, update, UPDATE_KEYS);
    if (!ECOSYSTEMS.includes(update['package-ecosystem']))
      problems.push(`${where}: unknown package-ecosystem ${update['package-ecosystem']}`);
    if ((update.directory === undefined) === (update.directories === undefined))
      problems.push(`${where}: one of directory and directories`);
    for (const folder of update.directories ?? [update.directory])
      if (typeof folder !== 'string' || !folder.startsWith('/')) problems.push(`${where}: ${folder} is not /...`);
    unknown(`${where}.schedule`, update.schedule, SCHEDULE_KEYS);
    if (!INTERVALS.includes(update.schedule?.interval))
      problems.push(`${where}.schedule: unknown interval ${update.schedule?.interval}`);
    for (const [rule, ignored] of (update.ignore ?? []).entries()) {
      unknown(`${where}.ignore[${rule}]`, ignored, IGNORE_KEYS);
      if (typeof ignored['dependency-name'] !== 'string') problems.push(`${where}.ignore[${rule}]: no dependency-name`);
      for (const type of ignored['update-types'] ?? [])
        if (!UPDATE_TYPES.includes(type)) problems.push(`${where}.ignore[${rule}]: unknown update type ${type}`);
    }
  });
  return problems;
}

/** The folders of `files` (paths from the project's root) holding a file whose name matches. */
const foldersOf = (files: string[], name: RegExp) =>
  [
    ...new Set(
      files.filter(file => name.test(file.split('/').pop()!)).map(file => `/${file.replace(/\/?[^/]*$/, '')}`),
    ),
  ].sort();

for (const [title, options] of [
  ['the defaults', {}],
  ['production', { prod: true }],
  ['production with automatic HTTPS', { prod: true, ...AUTO_HTTPS }],
] as const) {
  describe(`yo django-celery --defaults (${title}): .github/dependabot.yml`, () => {
    let files: string[] = [];
    let updates: Update[] = [];
    let config: Record<string, unknown> = {};
    before(async () => {
      const { project } = await runApp({ defaults: true, ...options });
      const tree = readTree(project);
      files = [...tree.keys()];
      config = parse(tree.get('.github/dependabot.yml') ?? '') as Record<string, unknown>;
      updates = (config.updates ?? []) as Update[];
    });

    it("holds only keys and values of Dependabot's configuration reference (version 2)", () => {
      expect(unknownSettings(config)).to.deep.equal([]);
    });

    const folders = (ecosystem: string) =>
      updates
        .filter(update => update['package-ecosystem'] === ecosystem)
        .flatMap(update => update.directories ?? [update.directory!])
        .sort();

    it('updates pip, docker, docker-compose and github-actions, each once', () => {
      expect(updates.map(update => update['package-ecosystem'])).to.deep.equal([
        'pip',
        'docker',
        'docker-compose',
        'github-actions',
      ]);
    });

    it('updates the base image of every Dockerfile of the project, and looks in no folder without one', () => {
      expect(folders('docker')).to.deep.equal(foldersOf(files, /^Dockerfile$/));
      expect(folders('docker')).to.include('/compose/local/django');
      if ('prod' in options)
        expect(folders('docker')).to.include.members(['/compose/production/django', '/compose/production/nginx']);
    });

    it('updates the images of every Compose file, each one a name Dependabot reads', () => {
      const compose = files.filter(file => /^docker-compose.*\.yml$/.test(file));
      expect(compose).to.have.length('prod' in options ? 2 : 1);
      for (const file of compose) expect(file, 'a file name Dependabot reads').to.match(COMPOSE_FILE);
      expect(folders('docker-compose')).to.deep.equal(foldersOf(files, COMPOSE_FILE));
    });

    it("leaves to the user the updates that need more than a rebuild: another Python line (a lock of its own), Postgres's next major version (the data volume's format)", () => {
      const ignored = (ecosystem: string) =>
        updates.find(update => update['package-ecosystem'] === ecosystem)?.ignore?.map(rule => rule['dependency-name']);
      // With production, the backup service's Dockerfile is on db's Postgres image too.
      expect(ignored('docker')).to.deep.equal('prod' in options ? ['python', 'postgres'] : ['python']);
      expect(ignored('docker-compose')).to.deep.equal(['postgres']);
      for (const ecosystem of ['pip', 'github-actions']) expect(ignored(ecosystem), ecosystem).to.equal(undefined);
    });

    it('updates the requirements and the lock (pip, at the root) and the actions of .github/workflows', () => {
      expect(folders('pip')).to.deep.equal(foldersOf(files, /^(requirements.*|constraints)\.txt$/));
      expect(files).to.include.members(['requirements.txt', 'constraints.txt']);
      expect(folders('github-actions')).to.deep.equal(['/']);
      expect(files.filter(file => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file))).to.not.be.empty;
    });
  });
}
