// `docker` on the PATH of a script the runtime tier runs against its stand-in engine
// (fake-docker.ts): hands the command line to the engine at FAKE_DOCKER_SOCKET, prints
// what it answers and exits with its status.
import { request } from 'node:http';

const socketPath = process.env.FAKE_DOCKER_SOCKET;
if (!socketPath) {
  process.stderr.write('fake docker: FAKE_DOCKER_SOCKET is not set\n');
  process.exit(125);
}
const req = request({ socketPath, path: '/', method: 'POST' }, res => {
  const chunks = [];
  res.on('data', chunk => chunks.push(chunk));
  res.on('end', () => {
    const { stdout, stderr, status } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    process.stdout.write(stdout);
    process.stderr.write(stderr);
    process.exitCode = status;
  });
});
req.on('error', error => {
  process.stderr.write(`fake docker: the engine did not answer: ${error.message}\n`);
  process.exit(125);
});
req.end(JSON.stringify({ argv: process.argv.slice(2) }));
