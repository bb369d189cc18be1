import { ProjectGenerator } from '../lib/base.js';

/** Writes the project's README.md, .gitignore, .dockerignore and .gitattributes. */
export default class ProjectFilesGenerator extends ProjectGenerator {}
