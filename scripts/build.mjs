// Compiles src/generators/**/*.ts to generators/ and copies each generator's
// templates and USAGE beside the compiled code, so generators/ is what npm publishes.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src', 'generators');
const out = join(root, 'generators');

rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});
chmodSync(join(out, 'cli.js'), 0o755);
for (const name of readdirSync(src)) {
  for (const asset of ['templates', 'USAGE']) {
    const from = join(src, name, asset);
    if (existsSync(from)) cpSync(from, join(out, name, asset), { recursive: true });
  }
}
