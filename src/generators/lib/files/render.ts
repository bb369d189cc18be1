// Writing a template tree whose layout is the output's layout.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type Generator from 'yeoman-generator';

/** The templates both stacks share (`compose/__stack__/...`: the entrypoint), rendered by `local` and by `prod`. */
export const STACK_TEMPLATES = fileURLToPath(new URL('../templates', import.meta.url));

/** Pieces of templates that several templates include (`<%- include(partials.name) %>`). */
export const PARTIALS = {
  /** The Dockerfiles' copies of their stack's scripts, and the WORKDIR they run in. */
  copyScripts: fileURLToPath(new URL('../partials/copy-scripts.ejs', import.meta.url)),
  /** The Compose files' log rotation, shared by every service (`x-logging`). */
  composeLogging: fileURLToPath(new URL('../partials/compose-logging.ejs', import.meta.url)),
  /** The db service's healthcheck, /dev/shm and stop grace period, with each stack's times. */
  composePostgres: fileURLToPath(new URL('../partials/compose-postgres.ejs', import.meta.url)),
  /** The Compose files' healthcheck of beat (its last tick), the same in both stacks. */
  beatHealthcheck: fileURLToPath(new URL('../partials/beat-healthcheck.ejs', import.meta.url)),
  /** nginx's `map`s of the forwarded scheme (given $from_tls_proxy) and of the uploads' disposition: Compose's site and the cluster's. */
  nginxMaps: fileURLToPath(new URL('../partials/nginx-maps.ejs', import.meta.url)),
  /** nginx's locations of the static files and the uploads (the uploads' headers). */
  nginxFiles: fileURLToPath(new URL('../partials/nginx-files.ejs', import.meta.url)),
  /** Beat's start scripts, with the database scheduler: the wait for the migrations. */
  beatWaitForMigrations: fileURLToPath(new URL('../partials/beat-wait-for-migrations.ejs', import.meta.url)),
};

/** Names a template path stands for: `__package__` the project package, `__stack__` the stack. */
export interface TreeNames {
  package: string;
  stack?: string;
}

/**
 * Renders every file under `root` into the generator's destination, at the same relative
 * path: `.ejs` is dropped, a leading `_` on a name becomes a dot (`_gitignore` writes
 * `.gitignore`), and `__package__`/`__stack__` take the names given.
 */
export function renderTree(
  generator: Generator,
  root: string,
  context: object,
  names: TreeNames,
  skip: (target: string) => boolean = () => false,
): void {
  for (const file of listFiles(root)) {
    const target = relative(root, file)
      .split(sep)
      .map(part =>
        part === '__package__'
          ? names.package
          : part === '__stack__' && names.stack
            ? names.stack
            : part.replace(/^_(?!_)/, '.'),
      )
      .join('/')
      .replace(/\.ejs$/, '');
    if (skip(target)) continue;
    // What the editor's copyTpl does, without its copying of any file and rendering of the
    // path: EJS given the template's name (for its includes), the template's mode kept
    // (executable scripts stay so), and a template without a tag written as it is.
    const text = readFileSync(file, 'utf8');
    const contents = text.includes('<%') ? ejs.render(text, context, { filename: file }) : text;
    generator.fs.write(generator.destinationPath(target), contents, statSync(file));
  }
}

function listFiles(folder: string): string[] {
  return readdirSync(folder)
    .sort()
    .flatMap(name => {
      const path = join(folder, name);
      return statSync(path).isDirectory() ? listFiles(path) : [path];
    });
}
