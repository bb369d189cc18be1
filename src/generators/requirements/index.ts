import { ProjectGenerator } from '../lib/run/base.js';

/** Writes requirements.txt, requirements-dev.txt and the lock, constraints.txt. */
export default class RequirementsGenerator extends ProjectGenerator {}
