import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// Debian's Chromium where it is installed (CI, these machines); Playwright's own elsewhere.
// E2E_PORT lets two checkouts run their e2e suites side by side (each its own preview server).
const port = Number(process.env.E2E_PORT ?? 4173);
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export default defineConfig({
  testDir: 'e2e',
  timeout: 300_000,
  expect: { timeout: 60_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${port}`,
    // The built site registers a service worker; only e2e/offline.spec.ts wants it (the others route requests).
    serviceWorkers: 'block',
    launchOptions: {
      executablePath: systemChromium,
      // WebGPU on Linux (SwiftShader when there is no GPU) is behind this flag.
      args: ['--enable-unsafe-webgpu'],
    },
  },
  webServer: {
    command: `npm run build && npx vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: !process.env.CI,
    timeout: 180_000,
  },
});
