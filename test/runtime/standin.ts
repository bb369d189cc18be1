// Until the generator writes constraints.txt: a lock for a generated project, made from its
// requirements with their pins dropped (pystack.py lock), and its Dockerfiles given `-c`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOk } from '../support/run.js';
import { PYSTACK } from './roots.js';

export function standInLock(project: string, python: string): void {
  if (existsSync(join(project, 'constraints.txt'))) return;
  const unpin = (file: string) => readFileSync(join(project, file), 'utf8').replace(/^(django)==.*$/im, (_, n) => `${n}>=${python === '3.14' ? '6.1' : '5.2'}`).replace(/==.*$/gm, '').replace(/^flower$/m, 'flower>=2.2.0').replace(/^celery$/m, 'celery[redis]');
  writeFileSync(join(project, 'requirements.txt'), unpin('requirements.txt'));
  writeFileSync(join(project, 'requirements-dev.txt'), unpin('requirements-dev.txt'));
  const lock = runOk('/usr/bin/python3', [PYSTACK, 'lock', '--python', python, '-r', 'requirements-dev.txt', '-r', 'requirements.txt'], { cwd: project, env: { PATH: '/usr/bin:/bin' } });
  writeFileSync(join(project, 'constraints.txt'), lock);
  for (const file of ['compose/local/django/Dockerfile', 'compose/production/django/Dockerfile']) {
    const path = join(project, file);
    if (!existsSync(path)) continue;
    let text = readFileSync(path, 'utf8');
    text = text.replace('COPY ./requirements.txt ./requirements-dev.txt /', 'COPY ./requirements.txt ./requirements-dev.txt ./constraints.txt /');
    text = text.replaceAll('COPY ./requirements.txt /requirements.txt', 'COPY ./requirements.txt ./constraints.txt /');
    text = text.replace(/-r \/requirements(-dev)?\.txt$/gm, '$& -c /constraints.txt');
    writeFileSync(path, text);
  }
}
