import { UserFacingError, ProjectGenerator } from '../lib/run/base.js';

/** Writes the users app: the project's own user model, users.User. */
export default class UsersGenerator extends ProjectGenerator {
  override async writing(): Promise<void> {
    const project = await this._project();
    if (!project.answers.customUser) {
      throw new UserFacingError(
        'This project keeps Django\'s auth.User (its stored answer "customUser" is false): a users app now would not be its user model. To switch deliberately, follow "Your user model" in the project\'s README.md.',
      );
    }
    this._render(project);
  }
}
