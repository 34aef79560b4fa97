// Runs a command while holding a lock on this web/ folder, so two builds at once (two dotnet commands, or a
// solution build that reaches the server project twice) never run npm ci or vite over each other.
//   node scripts/locked.mjs --done <file> -- <command> [args…]
// <file> is touched when the command succeeds; a build that had to wait and finds it touched meanwhile skips the
// command: the build it waited for has just done the same work.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync, readFileSync, utimesSync, closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let done = null;
if (args[0] === '--done') {
  done = resolve(webDir, args[1]);
  args.splice(0, 2);
}
if (args[0] === '--') args.shift();
if (args.length === 0) {
  console.error('usage: node scripts/locked.mjs [--done <file>] -- <command> [args…]');
  process.exit(2);
}

// In the temp folder (not in web/: npm ci replaces node_modules, and the lock must not be committed).
const lock = join(tmpdir(), `flowforge-web-${createHash('sha256').update(webDir).digest('hex').slice(0, 12)}.lock`);
const started = Date.now();
let waited = false;

function holderAlive() {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but is someone else's.
    return e?.code === 'EPERM';
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
for (;;) {
  try {
    mkdirSync(lock); // atomic on every OS: whoever creates it holds the lock
    writeFileSync(join(lock, 'pid'), String(process.pid));
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    // A holder that died (killed build) leaves its lock behind: take it over. The pid file is written right after
    // mkdir, so give a brand-new lock a moment before judging it.
    let age = 0;
    try { age = Date.now() - statSync(lock).mtimeMs; } catch { continue; }
    if (age > 2000 && !holderAlive()) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!waited) console.log('Another build of the web app is running; waiting for it…');
    waited = true;
    sleep(500);
  }
}

let status = 1;
try {
  let fresh = false;
  if (waited && done) {
    try { fresh = statSync(done).mtimeMs >= started; } catch { fresh = false; }
  }
  if (fresh) {
    console.log('The web app was just built by the build this one waited for; nothing to do.');
    status = 0;
  } else {
    const result = spawnSync(args[0], args.slice(1), { cwd: webDir, stdio: 'inherit', shell: process.platform === 'win32' });
    status = result.status ?? 1;
    if (result.error) console.error(String(result.error));
    if (status === 0 && done) {
      mkdirSync(dirname(done), { recursive: true });
      closeSync(openSync(done, 'a'));
      const now = new Date();
      utimesSync(done, now, now);
    }
  }
} finally {
  rmSync(lock, { recursive: true, force: true });
}
process.exit(status);
