// `yo django-celery:repo`, which writes the repository's own files, and `:project`, its
// earlier name, which users may have typed: both run the same generator.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixedSecrets, read, runApp, runGenerator } from './helpers.js';

describe('yo django-celery:repo, and :project, its earlier name', () => {
  for (const name of ['repo', 'project'] as const) {
    it(`${name}: inside a project, writes its README.md and dot files again from the stored answers, with its own templates`, async () => {
      const { project } = await runApp({ defaults: true });
      const readme = read(project, 'README.md');
      const gitignore = read(project, '.gitignore');
      rmSync(join(project, 'README.md'));
      rmSync(join(project, '.gitignore'));
      await runGenerator(name).withOptions({ secretSource: fixedSecrets }).cd(project);
      expect(read(project, 'README.md')).to.equal(readme);
      expect(read(project, '.gitignore')).to.equal(gitignore);
    });
  }
});
