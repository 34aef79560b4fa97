// Browser benchmark: how long the web app takes to open a 200-node workflow until it is interactive, and how much
// JavaScript it loads. Against the real server, in headless chromium (Debian's /usr/bin/chromium).
//
//   node bench/web/open-large-workflow.mjs [--runs 5] [--nodes 200] [--url http://… --key ffk_…]
//
// Without --url it starts the built server (src/FlowForge.Server/bin/<Release|Debug>/net10.0/flowforge.dll, content
// root src/FlowForge.Server so it serves the app `npm run build` wrote) on a free port with a temp SQLite database.
// Build first: `dotnet build -c Release src/FlowForge.Server` (builds the app too).
//
// "Interactive" = from the navigation start of /workflows/<id> until every node card is on the canvas (200
// `.react-flow__node`) and a click on one selects it (React Flow marks it `.selected`). Each run is a fresh browser
// context (cold HTTP cache, signed in through session storage); one unmeasured warm-up run first.
// Sizes are gzip (level 9) of the files on disk: "initial" = what index.html loads eagerly (its module script, module
// preloads and their static imports); "editor" = the JavaScript the browser fetched beyond that to open the editor.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { api, args, chromium, startServer, webRoot } from './harness.mjs';

const runs = Number(args.runs ?? 5);
const nodeCount = Number(args.nodes ?? 200);
const targets = { openMs: 1500, initialKb: 400 };

// ---- the workflow -----------------------------------------------------------------------------------------------
/** A manual trigger and a chain of N-1 configured steps laid out in rows of 10, like a big real workflow. */
function largeWorkflow(n) {
  const kinds = [
    { type: 'utility_sentiment', config: { inputText: '{{trigger.text}}' } },
    { type: 'utility_intent', config: { inputText: '{{trigger.text}}' } },
    { type: 'logic_set_variable', config: { variables: { note: 'Step {{trigger.text}}' } } },
    { type: 'action_email', config: { to: 'ops@example.com', subject: 'Update {{trigger.text}}', body: 'Body {{trigger.text}}' } },
  ];
  const nodes = [{ id: 'start', type: 'trigger_manual', config: {}, position: { x: 0, y: 0 } }];
  const edges = [];
  for (let i = 1; i < n; i++) {
    const row = Math.floor(i / 10);
    const col = row % 2 === 0 ? i % 10 : 9 - (i % 10); // serpentine, so edges stay short
    const kind = kinds[i % kinds.length];
    nodes.push({ id: `step_${i}`, type: kind.type, config: kind.config, position: { x: col * 260, y: row * 140 } });
    edges.push({ id: `e${i}`, source: nodes[i - 1].id, target: `step_${i}` });
  }
  return { name: `Bench: ${n} steps`, description: 'Created by bench/web/open-large-workflow.mjs', nodes, edges };
}


// ---- sizes ------------------------------------------------------------------------------------------------------
const gz = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/** The JS index.html loads eagerly: its module scripts and module preloads, and their static imports (transitively). */
function eagerScripts() {
  const html = readFileSync(join(webRoot, 'index.html'), 'utf8');
  const found = new Set();
  const queue = [
    ...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g),
  ].map((m) => m[1].replace(/^\//, ''));
  while (queue.length) {
    const src = queue.shift();
    if (found.has(src) || !src.endsWith('.js')) continue;
    found.add(src);
    const code = readFileSync(join(webRoot, src), 'utf8');
    // Static imports of other chunks (import{…}from"./x.js" / import"./x.js"); dynamic import() is not eager.
    for (const m of code.matchAll(/(?:^|[;\s}])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.\/[^"']+\.js)["']/g)) {
      queue.push(join(dirname(src), m[1]).replace(/\\/g, '/'));
    }
  }
  return [...found];
}

// ---- the measurement --------------------------------------------------------------------------------------------
async function openOnce(browser, server, id, scripts) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((key) => sessionStorage.setItem('flowforge.apiKey', key), server.key);
  const page = await context.newPage();
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.endsWith('.js')) scripts.add(path);
  });
  await page.goto(`${server.url}/workflows/${id}`, { waitUntil: 'commit' });
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length >= n, nodeCount, {
    timeout: 30_000,
    polling: 'raf',
  });
  // A node a person could click: on screen and not under the minimap or the controls (fitView stops at its minimum
  // zoom, so a big workflow may not fit).
  const target = await page.evaluate(() => {
    for (const el of document.querySelectorAll('.react-flow__node')) {
      const r = el.getBoundingClientRect();
      const x = r.left + r.width / 2;
      const y = r.top + r.height / 2;
      if (el.contains(document.elementFromPoint(x, y))) return { id: el.getAttribute('data-id'), x, y };
    }
    return null;
  });
  if (!target) throw new Error('No node card is clickable on the screen.');
  await page.mouse.click(target.x, target.y);
  await page.waitForFunction((id) => document.querySelector(`.react-flow__node[data-id="${id}"]`)?.classList.contains('selected'), target.id, {
    timeout: 10_000,
    polling: 'raf',
  });
  // performance.now() counts from the navigation start (timeOrigin) of this document.
  const ms = await page.evaluate(() => performance.now());
  await context.close();
  return ms;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const server = args.url ? { url: args.url, key: args.key, stop: async () => {} } : await startServer({ name: 'web' });
let browser;
try {
  const created = await api(server, 'POST', '/api/workflows', largeWorkflow(nodeCount));
  console.log(`workflow: ${nodeCount} steps, ${nodeCount - 1} connections (${created.id})`);
  browser = await chromium.launch({ executablePath: process.env.FLOWFORGE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

  const loaded = new Set();
  await openOnce(browser, server, created.id, loaded); // warm-up: JIT of the server, the OS file cache
  const times = [];
  for (let i = 0; i < runs; i++) {
    const ms = await openOnce(browser, server, created.id, loaded);
    times.push(ms);
    console.log(`  run ${i + 1}: ${ms.toFixed(0)} ms`);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const p95 = percentile(sorted, 95);

  const eager = eagerScripts();
  const initial = eager.reduce((s, f) => s + gz(join(webRoot, f)), 0);
  const editorFiles = [...loaded].map((p) => p.replace(/^\//, '')).filter((f) => !eager.includes(f) && existsSync(join(webRoot, f)));
  const editor = editorFiles.reduce((s, f) => s + gz(join(webRoot, f)), 0);

  console.log('');
  console.log(`open ${nodeCount}-node workflow until interactive: median ${median.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms over ${runs} runs (target < ${targets.openMs} ms)`);
  console.log(`initial JavaScript (gzip): ${kb(initial)} in ${eager.length} file(s): ${eager.join(', ')} (target < ${targets.initialKb} KB)`);
  console.log(`editor JavaScript loaded on open (gzip): ${kb(editor)} in ${editorFiles.length} file(s): ${editorFiles.join(', ')}`);
  const ok = median < targets.openMs && initial < targets.initialKb * 1024;
  console.log(ok ? 'targets: met' : 'targets: MISSED');
  process.exitCode = ok ? 0 : 1;
} finally {
  await browser?.close();
  await server.stop();
}
