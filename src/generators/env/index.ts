import { templateContext } from '../lib/context.js';
import { ProjectGenerator } from '../lib/base.js';
import { envValue } from '../lib/quoting.js';

export const DEV_ENV_FILE = '.env/.dev-sample';

/** Writes .env/.dev-sample, the development settings of every Django container. */
export default class EnvGenerator extends ProjectGenerator {
  override writing(): void {
    const answers = this._answers();
    const context = templateContext(answers);
    this._renderTemplates(
      {
        ...context,
        devEnv: {
          SECRET_KEY: envValue(this._keptSecret(DEV_ENV_FILE, 'SECRET_KEY')),
          SQL_DATABASE: envValue(answers.postgresDb),
          SQL_USER: envValue(answers.postgresUser),
          SQL_PASSWORD: envValue(answers.postgresPassword),
        },
      },
      answers.projectName,
    );
  }
}
