/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The server serves the built app from its web root (src/FlowForge.Server/wwwroot, never committed).
// `npm run dev` proxies the API to a server on FLOWFORGE_URL (default http://127.0.0.1:5000).
const server = process.env.FLOWFORGE_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: '../src/FlowForge.Server/wwwroot',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
  },
  server: {
    // The new-workflow dialog bundles the server's triage sample file (workflows/templates.ts).
    fs: { allow: ['.', '../src/FlowForge.Server/Samples'] },
    proxy: {
      '/api': server,
      '/hooks': server,
      '/openapi': server,
      '/docs': server,
      '/health': server,
      '/hubs': { target: server, ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
