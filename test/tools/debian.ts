// Debian trixie's package index, as the trixie root that scripts/install-tools.sh builds
// keeps it (debootstrap leaves the suite's Packages file in the root's apt lists), and
// the packages a Dockerfile installs with apt-get.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { words, type Dockerfile } from '../support/dockerfile.js';
import { INSTALL_COMMAND, TOOLS_DIR } from '../support/tools.js';

const LISTS = join(TOOLS_DIR, 'roots', 'trixie', 'var', 'lib', 'apt', 'lists');

let packages: Set<string> | undefined;

/** The name of every package of trixie's main archive (its Packages index). */
export function trixiePackages(): Set<string> {
  if (packages) return packages;
  const index = existsSync(LISTS)
    ? readdirSync(LISTS).filter(name => /_dists_trixie_main_binary-[a-z0-9]+_Packages$/.test(name))
    : [];
  if (index.length === 0)
    throw new Error(
      `No package index of Debian trixie in ${LISTS}: build the trixie root with \`${INSTALL_COMMAND}\` (as root).`,
    );
  const found = new Set<string>();
  for (const name of index) {
    for (const match of readFileSync(join(LISTS, name), 'utf8').matchAll(/^Package: (\S+)$/gm)) found.add(match[1]);
  }
  if (found.size < 10_000)
    throw new Error(`${LISTS}: only ${found.size} packages in trixie's index; it looks truncated`);
  packages = found;
  return found;
}

/** Each package that a RUN of the Dockerfile installs with `apt-get install` (or `apt install`), with its line. */
export function aptInstalls(dockerfile: Dockerfile): Array<{ line: number; name: string }> {
  return dockerfile.stages.flatMap(stage =>
    stage.instructions
      .filter(instruction => instruction.keyword === 'RUN')
      .flatMap(instruction => {
        const argv = words(instruction.args);
        const found: Array<{ line: number; name: string }> = [];
        argv.forEach((word, index) => {
          if (!/^apt(-get)?$/.test(word) || argv[index + 1] !== 'install') return;
          for (const arg of argv.slice(index + 2)) {
            if (['&&', '||', ';', '|'].includes(arg) || /[;&|]$/.test(arg)) break;
            if (!arg.startsWith('-')) found.push({ line: instruction.line, name: arg });
          }
        });
        return found;
      }),
  );
}
