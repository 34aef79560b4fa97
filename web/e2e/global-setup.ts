import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const serverProject = resolve(webDir, '../src/FlowForge.Server');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => res(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitHealthy(base: string, process: ChildProcess, output: () => string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`The server exited (${process.exitCode}) while starting:\n${output()}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`The server did not answer /health within 60 s:\n${output()}`);
}

/**
 * Starts the real server (the built flowforge.dll, as `dotnet build` left it) for the whole run: a free loopback port, a
 * temp SQLite database, a known bootstrap key, no sample workflow. Its content root is src/FlowForge.Server, so it
 * serves the app `npm run build` last wrote to wwwroot. Tests read the address and key from FLOWFORGE_E2E_URL and
 * FLOWFORGE_E2E_KEY (see support.ts); set both to run against a server of your own instead.
 */
export default async function globalSetup() {
  if (process.env.FLOWFORGE_E2E_URL) {
    if (!process.env.FLOWFORGE_E2E_KEY) throw new Error('FLOWFORGE_E2E_URL is set: set FLOWFORGE_E2E_KEY to an API key of that server too.');
    return undefined;
  }
  const dll = join(serverProject, 'bin/Debug/net10.0/flowforge.dll');
  if (!existsSync(dll)) throw new Error(`${dll} is missing: build the server first (dotnet build src/FlowForge.Server).`);
  if (!existsSync(join(serverProject, 'wwwroot/index.html')))
    throw new Error('The web app is not built (src/FlowForge.Server/wwwroot/index.html is missing): run `npm run build` in web/.');

  const temp = mkdtempSync(join(tmpdir(), 'flowforge-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const key = `ffk_e2e_${randomBytes(24).toString('hex')}`;
  const server = spawn('dotnet', [dll, '--urls', base, '--contentRoot', serverProject], {
    cwd: temp,
    env: {
      ...process.env,
      ASPNETCORE_ENVIRONMENT: 'Production',
      DOTNET_ENVIRONMENT: 'Production',
      Storage__ConnectionString: `Data Source=${join(temp, 'flowforge.db')}`,
      Storage__SqliteSynchronous: 'NORMAL',
      Auth__BootstrapApiKey: key,
      Samples__Enabled: 'false',
      // Specs stand in for outside providers with small HTTP servers on loopback (execution-detail.spec.ts).
      Egress__AllowedHosts: '127.0.0.1',
      Logging__LogLevel__Default: 'Warning',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  server.stdout?.on('data', (d) => (log += d));
  server.stderr?.on('data', (d) => (log += d));
  try {
    await waitHealthy(base, server, () => log);
  } catch (e) {
    server.kill('SIGKILL');
    rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  process.env.FLOWFORGE_E2E_URL = base;
  process.env.FLOWFORGE_E2E_KEY = key;

  return async () => {
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    const results = join(webDir, 'test-results');
    mkdirSync(results, { recursive: true });
    writeFileSync(join(results, 'server.log'), log);
    rmSync(temp, { recursive: true, force: true });
  };
}
