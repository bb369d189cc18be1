import { fileURLToPath } from 'node:url';
import type Generator from 'yeoman-generator';
import { ProjectGenerator } from '../lib/run/base.js';

/**
 * Writes the repository's own files: README.md, .gitignore, .dockerignore,
 * .gitattributes, pyproject.toml (pytest and Ruff), .pre-commit-config.yaml and CI.
 */
export default class RepoGenerator extends ProjectGenerator {
  constructor(args: string[], options: Generator['options']) {
    super(args, options);
    // Its own templates, also when run by its earlier name (`project`), whose folder holds none.
    this.sourceRoot(fileURLToPath(new URL('./templates', import.meta.url)));
  }
}
