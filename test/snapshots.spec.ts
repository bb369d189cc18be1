// Every generated file as reviewed, one snapshot entry per file, for each kind of
// project: a change to a template fails with the diff of the lines it changes.
// `npm run test:update` rewrites __snapshots__/snapshots.spec.ts.snap after a change you meant.
import { expectFilesToMatchSnapshots, runApp, runProd } from './helpers.js';
import { AUTO_HTTPS, CUSTOM_ANSWERS, CUSTOM_PROD, HOSTILE_PASSWORD } from './fixtures.js';

/** Generates a project; returns its folder. */
type Scenario = () => Promise<string>;

const SCENARIOS: Record<string, Scenario> = {
  'yo django-celery --defaults': async () => (await runApp({ defaults: true })).project,
  'yo django-celery with custom ports and credentials': async () =>
    (await runApp({ ...CUSTOM_ANSWERS, prod: false })).project,
  'yo django-celery with a password holding $, #, quotes and spaces': async () =>
    (await runApp({ defaults: true, 'postgres-password': HOSTILE_PASSWORD })).project,
  'yo django-celery --defaults --prod': async () => (await runApp({ defaults: true, prod: true })).project,
  'yo django-celery:prod with custom answers, in a project made without production': async () => {
    const { project } = await runApp({ ...CUSTOM_ANSWERS, 'postgres-version': '18', prod: false });
    await runProd(project, CUSTOM_PROD);
    return project;
  },
  'yo django-celery --defaults --prod with automatic HTTPS': async () =>
    (await runApp({ defaults: true, prod: true, ...AUTO_HTTPS })).project,
  'yo django-celery --defaults --prod --kubernetes, with the database beat scheduler and Postgres 18': async () =>
    (
      await runApp({
        defaults: true,
        prod: true,
        kubernetes: true,
        'beat-scheduler': 'database',
        'postgres-version': '18',
        'image-registry': 'registry.example.com/team',
        'image-tag': '2026.12.1',
      })
    ).project,
};

// One top-level describe: the snapshot file belongs to it, and it tells obsolete entries.
describe('the generated files', () => {
  for (const [title, generate] of Object.entries(SCENARIOS)) {
    it(`of ${title}, each as reviewed`, async () => {
      expectFilesToMatchSnapshots(await generate());
    });
  }
});
