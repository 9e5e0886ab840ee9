import { defineConfig } from "@playwright/test";

// The portal is started from its release build by the Makefile's `e2e` target; Playwright waits for
// /healthz before the first test. Chromium comes from Debian, never from a Playwright download.
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
    trace: "off",
  },
  projects: [
    { name: "js", use: { javaScriptEnabled: true } },
    { name: "nojs", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: process.env.PORTAL_BIN ?? "../target/release/server",
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      PORTAL_ENV: "dev",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.PORTAL_SITE_ROOT ?? "../target/site",
      DATABASE_URL: process.env.PORTAL_DATABASE_URL ?? "sqlite://../target/e2e/portal.db?mode=rwc",
      AWS_EC2_METADATA_DISABLED: "true",
      // Every test posts from 127.0.0.1: the per-client rate limits (tested over HTTP) would throttle the suite.
      PORTAL_RATE_LIMIT_PER_MINUTE: "100000",
      // AWS Marketplace's page is played by http://marketplace.test (routed by the tests): an https page's
      // Origin would reach this plain-http test server as `null`.
      PORTAL_FULFILLMENT_ORIGINS: "https://aws.amazon.com,http://marketplace.test",
      RUST_LOG: "warn",
    },
  },
});
