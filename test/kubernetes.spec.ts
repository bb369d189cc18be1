import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { KUBERNETES_ENV_FILES } from '../src/generators/kubernetes/index.js';
import { readEnvFile } from '../src/generators/lib/values/env-file.js';
import { isSecretKey, readKustomizeEnv, SERVICE_KEYS } from '../src/generators/lib/values/kubernetes-env.js';
import {
  expectRefusal,
  expectRefusedUnchanged,
  expectRejection,
  fixedSecrets,
  promptVerdicts,
  read,
  readTree,
  runApp,
  runGenerator,
  runKubernetes,
  runProd,
  stored,
} from './helpers.js';

const KUBERNETES = { defaults: true, prod: true, kubernetes: true };

/** The values of a Compose env file, as Compose reads them. */
function composeValues(text: string): Map<string, string> {
  return new Map(
    [...readEnvFile(text)].map(([key, entry]) => {
      if (!('value' in entry)) throw new Error(`${key} is unreadable`);
      return [key, entry.value];
    }),
  );
}

describe('yo django-celery --defaults --prod --kubernetes', () => {
  let project: string;
  before(async () => {
    ({ project } = await runApp(KUBERNETES));
  });

  it('writes a kustomize base and two overlays, production and trial', () => {
    const files = [...readTree(join(project, 'k8s')).keys()].sort();
    expect(files).to.include.members([
      'base/kustomization.yaml',
      'base/web.yaml',
      'base/worker.yaml',
      'base/beat.yaml',
      'base/flower.yaml',
      'base/nginx.yaml',
      'base/nginx.conf',
      'base/migrate.yaml',
      'base/ingress.yaml',
      'overlays/production/kustomization.yaml',
      'overlays/trial/kustomization.yaml',
      'overlays/trial/postgres.yaml',
      'overlays/trial/redis.yaml',
      'overlays/trial/initdb/app-role.sh',
    ]);
  });

  it("stores the Kubernetes answers beside production's", () => {
    expect(stored(project)).to.include({
      prod: true,
      kubernetes: true,
      imageRegistry: 'localhost:5000',
      imageTag: '0.1.0',
      ingressHost: 'localhost',
      ingressClass: 'nginx',
    });
  });

  it('gives the overlays .env/.prod and .env/.prod.db, each value as Compose reads it, split between a ConfigMap and Secrets', () => {
    const prod = composeValues(read(project, '.env/.prod'));
    const settings = readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.settings));
    const secrets = readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.secrets));
    const services = readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.services));
    const together = new Map([...settings, ...secrets, ...services]);
    expect(together.size, 'no key in two files').to.equal(settings.size + secrets.size + services.size);
    expect(Object.fromEntries(together)).to.deep.equal(Object.fromEntries(prod));
    expect([...services.keys()].sort()).to.deep.equal([...SERVICE_KEYS].sort());
    for (const key of ['SECRET_KEY', 'SQL_PASSWORD', 'CELERY_FLOWER_PASSWORD', 'EMAIL_HOST_PASSWORD']) {
      expect(settings.has(key), `${key} in the ConfigMap`).to.equal(false);
    }
    // No secret value anywhere in the ConfigMap's file.
    const settingsText = read(project, KUBERNETES_ENV_FILES.settings);
    for (const [key, value] of [...secrets, ...services]) {
      if (value.length >= 8) expect(settingsText, `${key}'s value`).not.to.include(value);
    }
    expect(Object.fromEntries(readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.db)))).to.deep.equal(
      Object.fromEntries(composeValues(read(project, '.env/.prod.db'))),
    );
  });

  it('keeps every env file of the overlays readable by its owner only, out of git and out of the images', () => {
    for (const file of Object.values(KUBERNETES_ENV_FILES)) {
      expect(statSync(join(project, file)).mode & 0o777, file).to.equal(0o600);
    }
    expect(read(project, '.gitignore')).to.match(/^k8s\/overlays\/\*\/\*\.env$/m);
    expect(read(project, '.dockerignore')).to.match(/^k8s$/m);
  });

  it('keeps beat at one replica that the Recreate strategy replaces, and lets autoscalers size web and the worker', () => {
    const beat = read(project, 'k8s/base/beat.yaml');
    expect(beat).to.match(/^ {2}replicas: 1$/m);
    expect(beat).to.match(/strategy:\n {4}type: Recreate/);
    expect(beat).not.to.include('HorizontalPodAutoscaler');
    for (const name of ['web', 'worker']) {
      const text = read(project, `k8s/base/${name}.yaml`);
      expect(text, name).to.include('kind: HorizontalPodAutoscaler');
      expect(text, name).to.include('kind: PodDisruptionBudget');
      expect(text, `${name} sets no replicas of its own`).not.to.match(/^ {2}replicas:/m);
    }
  });

  it('names the migration Job after the release, and has web, the worker and beat wait for its migrations', () => {
    expect(read(project, 'k8s/base/migrate.yaml')).to.match(/^ {2}name: migrate-0-1-0$/m);
    for (const name of ['web', 'worker', 'beat']) {
      expect(read(project, `k8s/base/${name}.yaml`), name).to.include('python manage.py migrate --check');
    }
    expect(read(project, 'k8s/overlays/production/kustomization.yaml')).to.include('newTag: "0.1.0"');
  });

  it("gives web and the worker the grace of gunicorn's graceful timeout and a task's time limit", () => {
    expect(read(project, 'k8s/base/web.yaml')).to.match(/terminationGracePeriodSeconds: 45$/m);
    expect(read(project, 'k8s/base/worker.yaml')).to.match(/terminationGracePeriodSeconds: 390$/m);
  });

  it('writes nothing on a second run', async () => {
    const before = readTree(project);
    const modes = Object.values(KUBERNETES_ENV_FILES).map(file => statSync(join(project, file)).mode);
    await runKubernetes(project);
    expect(readTree(project)).to.deep.equal(before);
    expect(Object.values(KUBERNETES_ENV_FILES).map(file => statSync(join(project, file)).mode)).to.deep.equal(modes);
  });
});

describe('yo django-celery:kubernetes', () => {
  it('adds the manifests to a project with production, asking nothing with --defaults, and stores kubernetes', async () => {
    const { project } = await runApp({ defaults: true, prod: true });
    await runKubernetes(project, { defaults: true, 'image-registry': 'registry.example.com/team' });
    expect(stored(project)).to.include({ kubernetes: true, imageRegistry: 'registry.example.com/team' });
    expect(read(project, 'k8s/overlays/production/kustomization.yaml')).to.include(
      'newName: registry.example.com/team/django-celery-example',
    );
    // The app, run again in the project, writes them as they are.
    const before = readTree(project);
    await runGenerator('app').withOptions({ secretSource: fixedSecrets }).cd(project);
    expect(readTree(project), 'the project as the first runs left it').to.deep.equal(before);
  });

  it('renames the migration Job and retags the image with --image-tag', async () => {
    const { project } = await runApp(KUBERNETES);
    await runKubernetes(project, { 'image-tag': '1.4.0' });
    expect(read(project, 'k8s/base/migrate.yaml')).to.match(/^ {2}name: migrate-1-4-0$/m);
    expect(read(project, 'k8s/overlays/production/kustomization.yaml')).to.include('newTag: "1.4.0"');
    expect(stored(project).imageTag).to.equal('1.4.0');
  });

  it("writes the env files anew from .env/.prod, but keeps the user's services.env, adding only what it lacks", async () => {
    const { project } = await runApp(KUBERNETES);
    const prod = read(project, '.env/.prod').replace('GUNICORN_WORKERS=3', 'GUNICORN_WORKERS=5');
    writeFileSync(join(project, '.env/.prod'), prod);
    const services = read(project, KUBERNETES_ENV_FILES.services)
      .replace('SQL_HOST=db', 'SQL_HOST=db.internal.example.com')
      .replace(/^CELERY_BACKEND=.*\n/m, '');
    writeFileSync(join(project, KUBERNETES_ENV_FILES.services), services);
    await runKubernetes(project);
    expect(readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.settings)).get('GUNICORN_WORKERS')).to.equal('5');
    const kept = readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.services));
    expect(kept.get('SQL_HOST')).to.equal('db.internal.example.com');
    expect(kept.get('CELERY_BACKEND')).to.equal('redis://redis:6379/0');
  });

  it('keeps the env files in step when yo django-celery:prod runs alone', async () => {
    const { project } = await runApp(KUBERNETES);
    writeFileSync(
      join(project, '.env/.prod'),
      read(project, '.env/.prod').replace('GUNICORN_WORKERS=3', 'GUNICORN_WORKERS=5'),
    );
    await runProd(project);
    expect(readKustomizeEnv(read(project, KUBERNETES_ENV_FILES.settings)).get('GUNICORN_WORKERS')).to.equal('5');
  });

  it('asks the registry, the image and the Ingress at a terminal, judging the host against the allowed ones', async () => {
    const { project } = await runApp({ defaults: true, prod: true, 'allowed-hosts': 'shop.example.com' });
    const verdicts = await promptVerdicts(
      'kubernetes',
      { ingressHost: 'example.com', imageRegistry: 'Registry' },
      {
        cwd: project,
        answers: {
          imageRegistry: 'localhost:5000',
          imageName: '',
          ingressHost: 'shop.example.com',
          ingressClass: 'nginx',
        },
      },
    );
    expect(verdicts.ingressHost).to.match(/not among the production host names \(shop.example.com\)/);
    expect(verdicts.imageRegistry).to.match(/is not a registry/);
    expect(stored(project)).to.include({ kubernetes: true, ingressHost: 'shop.example.com' });
  });

  it('stops, writing nothing, at a value of .env/.prod that kustomize cannot read', async () => {
    const { project } = await runApp(KUBERNETES);
    writeFileSync(join(project, '.env/.prod'), `${read(project, '.env/.prod')}EMAIL_HOST_PASSWORD="two\nlines"\n`);
    await expectRefusedUnchanged(project, runKubernetes(project), /EMAIL_HOST_PASSWORD spans several lines/);
  });

  it('is refused in a project without production, and outside a project, before anything is written', async () => {
    const { project, cwd } = await runApp({ defaults: true });
    await expectRefusedUnchanged(project, runKubernetes(project, { defaults: true }), /no production variant.*prod/);
    const before = readdirSync(cwd);
    await expectRejection(runKubernetes(cwd, { defaults: true }), /not in a project of this generator/);
    expect(readdirSync(cwd)).to.deep.equal(before);
  });

  it('refuses --kubernetes without production, and its answers without --kubernetes', async () => {
    await expectRefusal({ defaults: true, kubernetes: true }, /--kubernetes.*add --prod/);
    await expectRefusal(
      { defaults: true, prod: true, 'image-tag': '1.0.0' },
      /--image-tag applies to the Kubernetes manifests.*--kubernetes/,
    );
  });

  it('refuses a tag that names no release, and an Ingress host Django would refuse', async () => {
    await expectRefusal({ ...KUBERNETES, 'image-tag': 'latest' }, /"latest" names no release/);
    await expectRefusal({ ...KUBERNETES, 'image-tag': 'V1_2' }, /cannot be the image tag/);
    await expectRefusal(
      { ...KUBERNETES, 'ingress-host': 'example.com' },
      /"example.com" is not among the production host names.*--ingress-host localhost/,
    );
    await expectRefusal({ ...KUBERNETES, 'image-registry': 'Registry.Example.com' }, /is not a registry/);
  });
});

describe('the Kubernetes env files', () => {
  it('hold a secret, a login or an address in a Secret, the rest in the ConfigMap', () => {
    for (const key of ['SECRET_KEY', 'SQL_PASSWORD', 'EMAIL_HOST_USER', 'SENTRY_DSN', 'API_TOKEN', 'CELERY_BROKER']) {
      expect(isSecretKey(key), key).to.equal(true);
    }
    for (const key of ['DEBUG', 'GUNICORN_WORKERS', 'DJANGO_ALLOWED_HOSTS', 'SQL_ENGINE', 'EMAIL_PORT']) {
      expect(isSecretKey(key), key).to.equal(false);
    }
  });
});
