import { ProjectGenerator } from '../lib/base.js';

/** Writes requirements.txt. */
export default class RequirementsGenerator extends ProjectGenerator {}
