// Loaded into a run of the entry point (`node --import`) by the e2e test of the paths
// that must not start Yeoman (`--help`, `--version`): importing any yeoman-* package, or
// a generator's module (each imports yeoman-generator), fails the run, naming what was imported.
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (/^(yeoman-|@yeoman\\/)/.test(specifier) || /\\/generators\\/(?!lib\\/)[\\w-]+\\/index\\.js$/.test(specifier))
    throw new Error('this run imported ' + specifier);
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
