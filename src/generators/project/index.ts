import { ProjectGenerator } from '../lib/run/base.js';

/** Writes the project's README.md, .gitignore, .dockerignore, .gitattributes, pyproject.toml (pytest and Ruff) and .pre-commit-config.yaml. */
export default class ProjectFilesGenerator extends ProjectGenerator {}
