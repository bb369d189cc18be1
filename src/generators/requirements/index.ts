import { ProjectGenerator } from '../lib/base.js';

/** Writes requirements.txt and requirements-dev.txt. */
export default class RequirementsGenerator extends ProjectGenerator {}
