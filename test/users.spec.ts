// The project's own user model: on for new projects, kept off for projects made before it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { expectRejection, fixedSecrets, read, runApp, runGenerator, stored } from './helpers.js';

const USERS_APP = [
  'users/__init__.py',
  'users/admin.py',
  'users/apps.py',
  'users/models.py',
  'users/tests.py',
  'users/migrations/__init__.py',
  'users/migrations/0001_initial.py',
];

describe('yo django-celery --defaults: the user model', () => {
  it('is users.User from the first migration on: the app, AUTH_USER_MODEL, its admin, its tests, and the README', async () => {
    const { project } = await runApp({ defaults: true });
    for (const file of USERS_APP) expect(existsSync(join(project, file)), file).to.equal(true);
    const settings = read(project, 'django_celery_example/settings.py');
    expect(settings).to.match(/^AUTH_USER_MODEL = "users\.User"$/m);
    expect(settings).to.match(/^ {4}"users",\n {4}"polls",\n\]/m);
    expect(read(project, 'users/models.py')).to.match(/^class User\(AbstractUser\):/m);
    expect(read(project, 'users/admin.py')).to.contain('admin.site.register(User, UserAdmin)');
    expect(read(project, 'users/migrations/0001_initial.py')).to.match(
      /initial = True[\s\S]*\('auth', '0012_alter_user_first_name_max_length'\)[\s\S]*name='User'/,
    );
    expect(read(project, 'users/tests.py')).to.contain('self.assertIs(get_user_model(), User)');
    expect(read(project, 'README.md')).to.contain("The project's user is `users.User`");
    expect(stored(project).customUser).to.equal(true);
  });

  it("is Django's auth.User with --no-custom-user: no users app, no AUTH_USER_MODEL", async () => {
    const { project } = await runApp({ defaults: true, 'custom-user': false });
    expect(existsSync(join(project, 'users'))).to.equal(false);
    expect(read(project, 'django_celery_example/settings.py')).not.to.contain('AUTH_USER_MODEL');
    expect(read(project, 'README.md')).to.contain("To switch deliberately, follow Django's");
  });
});

describe('a project whose stored answers predate the user model, regenerated in place', () => {
  it('keeps auth.User: it gains neither AUTH_USER_MODEL nor a users app, and stores customUser false', async () => {
    const { project } = await runApp({ defaults: true, 'custom-user': false });
    const file = join(project, '.yo-rc.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    delete config['generator-django-celery'].customUser;
    writeFileSync(file, JSON.stringify(config));
    await runGenerator('app').withOptions({ secretSource: fixedSecrets }).cd(project);
    expect(existsSync(join(project, 'users'))).to.equal(false);
    expect(read(project, 'django_celery_example/settings.py')).not.to.contain('AUTH_USER_MODEL');
    expect(stored(project).customUser).to.equal(false);
  });

  it('switches when told to: --custom-user writes the app and AUTH_USER_MODEL', async () => {
    const { project } = await runApp({ defaults: true, 'custom-user': false });
    await runGenerator('app').withOptions({ secretSource: fixedSecrets, 'custom-user': true, force: true }).cd(project);
    expect(existsSync(join(project, 'users/models.py'))).to.equal(true);
    expect(read(project, 'django_celery_example/settings.py')).to.contain('AUTH_USER_MODEL = "users.User"');
  });

  it('refuses yo django-celery:users while the project keeps auth.User, saying how to switch', async () => {
    const { project } = await runApp({ defaults: true, 'custom-user': false });
    await expectRejection(
      runGenerator('users').cd(project),
      /keeps Django's auth\.User \(its stored answer "customUser" is false\).*"Your user model"/,
    );
    expect(existsSync(join(project, 'users'))).to.equal(false);
  });
});
