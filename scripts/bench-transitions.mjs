// Figures, never assertions: step changes in the browser (app/src/ui/navigation.rs) in headless Chromium on
// loopback — per step change, the bytes fetched (as sent: compressed bodies) and the time from pressing the
// button or link to the next page's heading being visible, p50/p95 over 20 changes (steps 2 ⇄ 3 of the
// register branch, Continue and Back in turn). Usage: node scripts/bench-transitions.mjs http://127.0.0.1:PORT
import { createRequire } from "node:module";

// Playwright from the end-to-end suite's packages (installed by `make tools`).
const require = createRequire(new URL("../end2end/", import.meta.url));
const { chromium } = require("playwright");
const base = process.argv[2];
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
const context = await browser.newContext({ baseURL: base });
const page = await context.newPage();

// A session, as AWS's Set Up Your Account would start it, then step 1 with a code from the dev mailbox.
const minted = await context.request.post("/_sim/aws/tokens", { data: { aws_account_id: "210987654321" } });
const { token } = await minted.json();
await context.request.post("/marketplace/aws", { form: { "x-amzn-marketplace-token": token } });
await page.goto("/activate");
await page.locator('main[data-hydrated="true"]').waitFor();
await page.locator("#branch-register").check();
await page.locator("main form button.button").click();
await page.getByRole("heading", { level: 1, name: "Basic information" }).waitFor();
const email = `bench${Date.now()}@example.com`;
await page.getByLabel("International Region 1 (Oregon)").check();
await page.getByLabel("Username").fill(`bench${Date.now()}`);
await page.getByLabel("Password", { exact: true }).fill("correct horse battery staple");
await page.getByLabel("Confirm password").fill("correct horse battery staple");
await page.getByLabel("Email").fill(email);
await page.getByRole("button", { name: "Send code" }).click();
await page.getByRole("status").waitFor();
const mails = await (await context.request.get(`/_dev/mailbox.json?to=${encodeURIComponent(email)}`)).json();
const code = mails[0].text.match(/\b(\d{6})\b/)[1];
await page.getByLabel("Verification code").fill(code);
await page.getByLabel("Password", { exact: true }).fill("correct horse battery staple");
await page.getByLabel("Confirm password").fill("correct horse battery staple");
await page.getByRole("button", { name: "Continue", exact: true }).click();
await page.getByText("Step 2 of 4").waitFor();
await page.getByLabel("Company name").fill("Bench Ltd");

let bytes = 0;
const documents = [];
page.on("requestfinished", async (req) => {
  if (req.resourceType() === "document") documents.push(req.url());
  const sizes = await req.sizes().catch(() => null);
  if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize;
});
const times = [];
const sent = [];
for (let i = 0; i < 20; i++) {
  const forward = i % 2 === 0;
  const before = bytes;
  const started = performance.now();
  if (forward) {
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Step 3 of 4").waitFor();
  } else {
    await page.getByRole("link", { name: "Back" }).click();
    await page.getByText("Step 2 of 4").waitFor();
  }
  times.push(performance.now() - started);
  await page.waitForTimeout(50); // let the byte counter see the last response
  sent.push(bytes - before);
}
times.sort((a, b) => a - b);
const pct = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
const kb = (n) => (n / 1024).toFixed(1);
console.log("Step changes in the browser (headless Chromium, loopback, steps 2 ⇄ 3, 20 changes)");
console.log(`press → next heading visible   p50 ${pct(0.5).toFixed(1)} ms   p95 ${pct(0.95).toFixed(1)} ms (goal p95 <= 100 ms)`);
console.log(
  `bytes per step change (as sent, headers included)   Continue ${kb(sent[0])} KB   Back ${kb(sent[1])} KB   (goal <= 30 KB extra)`,
);
console.log(`document loads during the 20 changes: ${documents.length}`);
await browser.close();
