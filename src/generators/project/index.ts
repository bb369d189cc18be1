// `yo django-celery:project`: the earlier name of `repo`, kept so that what users typed
// still works (lib/answers/command.ts: GENERATOR_ALIASES).
export { default } from '../repo/index.js';
