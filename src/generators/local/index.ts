import { ProjectGenerator } from '../lib/run/base.js';

/** Writes docker-compose.yml and compose/local: the development stack. */
export default class LocalGenerator extends ProjectGenerator {
  override async writing(): Promise<void> {
    this._render(await this._project(), {}, 'local');
  }
}
