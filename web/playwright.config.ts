import { defineConfig } from '@playwright/test';

// End-to-end tests in Debian's chromium (Playwright's own browser builds cannot be downloaded here) against the real
// server: e2e/global-setup.ts starts the built flowforge.dll on a free port with a throw-away SQLite database and stops
// it afterwards (or set FLOWFORGE_E2E_URL + FLOWFORGE_E2E_KEY to test a server you started). Screenshots, traces of
// failures and the server's log land in test-results/ (gitignored; CI keeps it as artifacts).
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  globalSetup: './e2e/global-setup.ts',
  // One server, two cores shared with the .NET tests: specs run one at a time, each with a fresh browser context.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [['list'], ['junit', { outputFile: 'test-results/junit.xml' }]] : [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.FLOWFORGE_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
    // The laptop screen the app is designed for.
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 10_000,
    navigationTimeout: 30_000,
  },
});
