import { ProjectGenerator } from '../lib/base.js';

/** Writes manage.py, the project package (settings, Celery app) and the polls app. */
export default class DjangoGenerator extends ProjectGenerator {}
