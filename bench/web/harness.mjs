// What the browser benchmarks share: the repository's paths, Debian's chromium through the web app's playwright-core,
// the command line, and a built server started on a free port with a temp folder (stopped and removed afterwards).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const serverProject = join(repo, 'src/FlowForge.Server');
export const webRoot = join(serverProject, 'wwwroot');
// playwright-core is a dependency of the web app: resolve it from there.
export const { chromium } = createRequire(join(repo, 'web/package.json'))('playwright-core');

/** `--name value` pairs of the command line. */
export const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * Starts the built server (Release if built, else Debug; content root src/FlowForge.Server so it serves the app
 * `npm run build` wrote) with a bootstrap key, samples off and a SQLite file in a temp folder unless `env(temp)`
 * says otherwise. `onStop` runs after the process exited (e.g. to drop a PostgreSQL schema).
 */
export async function startServer({ name, env = () => ({}), describe = '', startupSeconds = 60, onStop } = {}) {
  const dll = ['Release', 'Debug'].map((c) => join(serverProject, `bin/${c}/net10.0/flowforge.dll`)).find(existsSync);
  if (!dll) throw new Error('The server is not built: dotnet build -c Release src/FlowForge.Server');
  if (!existsSync(join(webRoot, 'index.html'))) throw new Error('The web app is not built: cd web && npm run build');
  const temp = mkdtempSync(join(tmpdir(), `flowforge-bench-${name}-`));
  const url = `http://127.0.0.1:${await freePort()}`;
  const key = `ffk_bench_${randomBytes(24).toString('hex')}`;
  const child = spawn('dotnet', [dll, '--urls', url, '--contentRoot', serverProject], {
    cwd: temp,
    env: {
      ...process.env,
      ASPNETCORE_ENVIRONMENT: 'Production',
      Storage__ConnectionString: `Data Source=${join(temp, 'flowforge.db')}`,
      Auth__BootstrapApiKey: key,
      Samples__Enabled: 'false',
      Logging__LogLevel__Default: 'Warning',
      ...env(temp),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const deadline = Date.now() + startupSeconds * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`The server exited while starting:\n${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`The server did not start within ${startupSeconds} s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`server: ${dll.includes('/Release/') ? 'Release' : 'Debug'} build on ${url}${describe}`);
  return {
    url,
    key,
    temp,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      await onStop?.();
      rmSync(temp, { recursive: true, force: true });
    },
  };
}

/** One API call with the server's key; throws with the answer on a non-2xx. */
export async function api(server, method, path, body) {
  const response = await fetch(server.url + path, {
    method,
    headers: { 'X-Api-Key': server.key, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}
