// `npm run gen:api`: regenerates src/api/schema.d.ts from the server's OpenAPI document, without a hand-started
// server: builds the server (without the web app), starts it on a free loopback port with a throw-away SQLite file,
// saves /openapi/v1.json to openapi/v1.json (gitignored), runs openapi-typescript on it and stops the server.
// The test WebApp/GeneratedTypesTests fails when the checked-in schema.d.ts differs from what this writes.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const project = resolve(webDir, '../src/FlowForge.Server');
const dll = join(project, 'bin/Debug/net10.0/flowforge.dll');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32', ...options });
  if (result.status !== 0) {
    console.error(`gen:api: \`${command} ${args.join(' ')}\` failed.`);
    process.exit(result.status ?? 1);
  }
}

function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

console.log('gen:api: building the server…');
run('dotnet', ['build', project, '-c', 'Debug', '-p:FlowForgeSkipWebBuild=true', '-nologo', '-v', 'q']);

const temp = mkdtempSync(join(tmpdir(), 'flowforge-gen-api-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn('dotnet', [dll, '--urls', base], {
  cwd: temp,
  env: {
    ...process.env,
    ASPNETCORE_ENVIRONMENT: 'Production',
    Storage__ConnectionString: `Data Source=${join(temp, 'flowforge.db')}`,
    Samples__Enabled: 'false',
    Logging__LogLevel__Default: 'Warning',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
server.stdout.on('data', (d) => (output += d));
server.stderr.on('data', (d) => (output += d));

let document = null;
try {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && server.exitCode === null) {
    try {
      const response = await fetch(`${base}/openapi/v1.json`);
      if (response.ok) {
        document = await response.text();
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
} finally {
  server.kill();
}
if (!document) {
  console.error(`gen:api: the server did not serve its document. Its output:\n${output}`);
  rmSync(temp, { recursive: true, force: true });
  process.exit(1);
}

mkdirSync(join(webDir, 'openapi'), { recursive: true });
writeFileSync(join(webDir, 'openapi/v1.json'), document);
run(join(webDir, 'node_modules/.bin/openapi-typescript'), ['openapi/v1.json', '-o', 'src/api/schema.d.ts'], { cwd: webDir });
await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
rmSync(temp, { recursive: true, force: true });
console.log('gen:api: wrote src/api/schema.d.ts');
