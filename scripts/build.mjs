// Compiles src/generators/**/*.ts to generators/ and copies each generator's
// templates (and lib's partials and locks) and USAGE beside the compiled code, so generators/ is what npm publishes.
// It builds into a fresh folder and swaps it in, so a run reading generators/ while a
// build goes on never sees it half-written.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'generators');
const out = join(root, 'generators');
const next = join(root, `.generators-${process.pid}`);

rmSync(next, { recursive: true, force: true });
try {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', next],
    { stdio: 'inherit' },
  );
  chmodSync(join(next, 'cli.js'), 0o755);
  for (const name of readdirSync(src)) {
    for (const asset of ['templates', 'partials', 'locks', 'USAGE']) {
      const from = join(src, name, asset);
      if (existsSync(from)) cpSync(from, join(next, name, asset), { recursive: true });
    }
  }
  const old = `${next}-old`;
  if (existsSync(out)) renameSync(out, old);
  renameSync(next, out);
  rmSync(old, { recursive: true, force: true });
} catch (error) {
  rmSync(next, { recursive: true, force: true });
  // The compiler printed its errors above; a stack of this script would bury them.
  console.error(
    `The build of generator-django-celery failed: ${error.status ? "the compiler's errors are above" : error.message}.`,
  );
  process.exit(1);
}
