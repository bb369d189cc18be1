// The peer comparison of `npm run bench`: Debian's cookiecutter rendering the tree this
// generator writes for the same answers. The template is made from the generator's own
// output: every answer's value (the project name, the database names, each secret)
// becomes a template variable, and each "{" that would open a Jinja tag is escaped, so that
// cookiecutter renders the very same tree (checked, file by file, modes included).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file below `root`, as paths relative to it. */
function files(root, folder = root) {
  return readdirSync(folder, { withFileTypes: true }).flatMap(entry => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? files(root, path) : [relative(root, path)];
  });
}

/** The values of `KEY=value` lines in an env file, for the keys that hold secrets. */
function secretsOf(text) {
  return [...text.matchAll(/^(\w*(?:SECRET|PASSWORD)\w*)=(.+)$/gm)].map(match => ({
    name: match[1].toLowerCase(),
    value: match[2].replace(/^'(.*)'$/, '$1'),
  }));
}

/** A "{" that Jinja would read as the start of a tag, or that would join a value's tag into one. */
const OPENS_TAG = /\{(?=[{%#\u0000])/g;

/**
 * Makes a cookiecutter template in `template` from the project in `project` (named `name`):
 * returns the context that renders it back.
 */
export function makeTemplate(project, name, template) {
  const variables = [{ name: 'project_name', value: name }];
  for (const env of ['.env/.dev-sample', '.env/.prod', '.env/.prod.db']) {
    let text = '';
    try {
      text = readFileSync(join(project, env), 'utf8');
    } catch {
      continue;
    }
    for (const secret of secretsOf(text))
      if (secret.value.length >= 8 && !variables.some(each => each.value === secret.value))
        variables.push({ name: `${secret.name}_${variables.length}`, value: secret.value });
  }
  // Longest values first, so that a value inside another is never replaced first.
  const order = [...variables].sort((a, b) => b.value.length - a.value.length);
  // Values first, as marks Jinja cannot read as its own; then every "{" that would open
  // a Jinja tag (before "{", "%", "#" or a value's mark) as a literal; then the marks.
  const templated = text => {
    let out = text;
    order.forEach(({ value }, index) => {
      out = out.split(value).join(`\u0000${index}\u0000`);
    });
    out = out.replace(OPENS_TAG, "{{ '{' }}");
    return out.replace(/\u0000(\d+)\u0000/g, (_, index) => `{{ cookiecutter.${order[Number(index)].name} }}`);
  };
  const root = join(template, '{{ cookiecutter.project_name }}');
  for (const file of files(project)) {
    const target = join(root, file.split(name).join('{{ cookiecutter.project_name }}'));
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, templated(readFileSync(join(project, file), 'utf8')));
    chmodSync(target, statSync(join(project, file)).mode & 0o777);
  }
  const context = Object.fromEntries(variables.map(({ name: variable, value }) => [variable, value]));
  writeFileSync(join(template, 'cookiecutter.json'), `${JSON.stringify(context, null, 2)}\n`);
  return context;
}

/** Whether `cookiecutter` rendered `rendered` into exactly the tree of `project`: the first difference, or none. */
export function firstDifference(project, rendered) {
  const ours = files(project).sort();
  const theirs = files(rendered).sort();
  if (ours.join('\n') !== theirs.join('\n')) return `the file lists differ (${ours.length} and ${theirs.length} files)`;
  for (const file of ours) {
    if (!readFileSync(join(project, file)).equals(readFileSync(join(rendered, file)))) return `${file} differs`;
    if ((statSync(join(project, file)).mode & 0o777) !== (statSync(join(rendered, file)).mode & 0o777))
      return `${file}'s mode differs`;
  }
  return undefined;
}

/** Debian's cookiecutter: its version line, or a message saying how to install it. */
export function cookiecutterVersion() {
  const run = spawnSync('cookiecutter', ['--version'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) {
    throw new Error(
      'The peer comparison needs cookiecutter: run `sudo apt-get install cookiecutter` (Debian), then `npm run bench` again.',
    );
  }
  return run.stdout.trim();
}
