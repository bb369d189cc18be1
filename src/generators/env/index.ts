import { ProjectGenerator } from '../lib/run/base.js';
import { envValue } from '../lib/values/quoting.js';
import { keptSecret } from '../lib/values/secrets.js';

export const DEV_ENV_FILE = '.env/.dev-sample';

/** Writes .env/.dev-sample, the development settings of every Django container. */
export default class EnvGenerator extends ProjectGenerator {
  /** It holds the development password given and a SECRET_KEY: its content is never shown. */
  static readonly secretFiles = [DEV_ENV_FILE];

  override async writing(): Promise<void> {
    const project = await this._project();
    const { answers } = project;
    this._render(project, {
      devEnv: {
        SECRET_KEY: envValue(keptSecret(this, DEV_ENV_FILE, 'SECRET_KEY', this.options.secretSource)),
        SQL_DATABASE: envValue(answers.postgresDb),
        SQL_USER: envValue(answers.postgresUser),
        SQL_PASSWORD: envValue(answers.postgresPassword),
      },
    });
  }
}
