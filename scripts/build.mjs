// Builds generators/, what npm publishes, from src/generators/: esbuild bundles the entry
// point and every generator with the modules they import into generators/lib/bundle/
// (imports resolved once, at build time: a run loads a few files instead of two thousand),
// and copies each generator's templates (and lib's partials and locks) and USAGE beside
// a one-line generators/NAME/index.js, which is what yo discovers and composeWith loads.
// The type check is `npm run typecheck`'s (tsc): esbuild only strips the types.
//
// What the bundle leaves out, or loads only when used (scripts/bundle-plugins.mjs): the
// prompt library until a question is asked, the environment's commit and package-manager
// steps until they run, and Yeoman's generator-installing and git/npm-registry helpers,
// which no generator of this package uses.
//
// It builds into a fresh folder and swaps it in, so a run reading generators/ while a
// build goes on never sees it half-written. The build's metafile (which module went into
// which output file) is written to .build/meta.json, for the e2e tier's check that
// --help loads no Yeoman module.
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BUNDLE_DIR, bundlePlugins, depsCopies } from './bundle-plugins.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'generators');
const out = join(root, 'generators');
const next = join(root, `.generators-${process.pid}`);

const generators = readdirSync(src).filter(name => existsSync(join(src, name, 'index.ts')));

rmSync(next, { recursive: true, force: true });
try {
  const copies = new Map();
  const built = await esbuild.build({
    entryPoints: Object.fromEntries([
      ['cli', join(src, 'cli.ts')],
      ...generators.map(name => [name, join(src, name, 'index.ts')]),
    ]),
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    outdir: join(next, BUNDLE_DIR),
    chunkNames: 'chunk-[hash]',
    metafile: true,
    legalComments: 'none',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    // CommonJS modules in the bundle call require() for Node's own modules, and find
    // their folder from the file they are in (scripts/bundle-plugins.mjs).
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);\nconst __bundleUrl = import.meta.url;",
    },
    plugins: bundlePlugins({ src, copies }),
  });
  // The package metadata some bundled modules read at run time, where they look for it.
  for (const [from, to] of depsCopies(copies)) {
    mkdirSync(dirname(join(next, BUNDLE_DIR, to)), { recursive: true });
    cpSync(from, join(next, BUNDLE_DIR, to));
  }
  for (const name of generators) {
    mkdirSync(join(next, name), { recursive: true });
    writeFileSync(join(next, name, 'index.js'), `export { default } from '../${BUNDLE_DIR}/${name}.js';\n`);
  }
  for (const name of readdirSync(src)) {
    for (const asset of ['templates', 'partials', 'locks', 'USAGE']) {
      const from = join(src, name, asset);
      if (existsSync(from)) cpSync(from, join(next, name, asset), { recursive: true });
    }
  }
  // Node's compile cache (22.1 and later) keeps the bundle's compiled code between runs; the
  // bundle is imported after it is on, so that its modules are the ones cached.
  writeFileSync(
    join(next, 'cli.js'),
    `#!/usr/bin/env node\nimport module from 'node:module';\n\nmodule.enableCompileCache?.();\nawait import('./${BUNDLE_DIR}/cli.js');\n`,
  );
  chmodSync(join(next, 'cli.js'), 0o755);
  mkdirSync(join(root, '.build'), { recursive: true });
  writeFileSync(join(root, '.build', 'meta.json'), JSON.stringify(built.metafile));

  const old = `${next}-old`;
  if (existsSync(out)) renameSync(out, old);
  renameSync(next, out);
  rmSync(old, { recursive: true, force: true });
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  // esbuild printed its errors above; a stack of this script would bury them.
  console.error(
    `The build of generator-django-celery failed: ${error.errors ? "esbuild's errors are above" : error.message}.`,
  );
  process.exit(1);
}
