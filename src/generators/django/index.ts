import { ProjectGenerator } from '../lib/run/base.js';

/** Writes manage.py, the project package (settings, Celery app) and the polls app. */
export default class DjangoGenerator extends ProjectGenerator {}
