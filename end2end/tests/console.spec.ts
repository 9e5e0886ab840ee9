import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { completeStep1, expectAccessible, finishRegister, jsEnabled, randomAccount, ready, unique } from "./helpers";

// The operator console (issue 20): an operator logs in, finds a customer, reads its timeline, retries a
// metering record AWS refused, exports the list as CSV and replays a webhook delivery — in English, then in
// Chinese — with axe on every page (JavaScript project). Without JavaScript every form still works; the metering
// part runs in one project only: the simulator's refusal is one fault for the next call, which two projects
// running at once would share.

const OPERATOR_PASSWORD = "a long and unusual passphrase 42";

/** Adds an operator with the server binary's own subcommand, against the suite's database. */
function addOperator(name: string) {
  execFileSync(process.env.PORTAL_BIN ?? "../target/release/server", ["operator", "add", name], {
    input: `${OPERATOR_PASSWORD}\n`,
    env: {
      ...process.env,
      PORTAL_ENV: "dev",
      DATABASE_URL: process.env.PORTAL_DATABASE_URL ?? "sqlite://../target/e2e/portal.db?mode=rwc",
    },
  });
}

/** A receiver of webhooks on a free port: every request's headers, answered 204. */
async function receiver() {
  const got: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    got.push(req.headers);
    req.resume();
    req.on("end", () => {
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, got, close: () => server.close() };
}

/** A buyer who registered through the wizard: the AWS account and the id of the workspace it bills. */
async function registeredBuyer(page: Page, request: APIRequestContext, testInfo: TestInfo) {
  const account = randomAccount();
  await completeStep1(page, request, testInfo, account);
  await finishRegister(page, testInfo, unique("Ops "));
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login/);
  const workspace = Number(/workspaces(?:\/|%2F)(\d+)/.exec(page.url())?.[1]);
  expect(workspace).toBeGreaterThan(0);
  return { account, workspace };
}

/** Usage for the buyer's workspace, sent in a run AWS refuses (the simulator's `not_subscribed`). */
async function refusedUsage(request: APIRequestContext, workspace: number) {
  expect((await request.post("/_dev/usage/generate", { data: { workspace_id: workspace, hours: 3 } })).status()).toBe(202);
  const fault = await request.post("/_sim/aws/faults", { data: { operation: "BatchMeterUsage", kind: "not_subscribed" } });
  expect(fault.status()).toBe(204);
  expect((await request.post("/_dev/metering/run", { data: {} })).ok()).toBeTruthy();
}

/** On the metering page: the buyer's refused records, one retried now and then taken by AWS. */
async function retryARefusedRecord(page: Page, request: APIRequestContext, testInfo: TestInfo, account: string) {
  await ready(page, testInfo);
  await page.getByLabel("State").selectOption("refused");
  await page.getByLabel("AWS account").fill(account);
  await page.getByRole("button", { name: "Filter" }).click();
  const refused = page.locator("#records tbody tr");
  await expect(refused.first()).toContainText("CustomerNotSubscribed");
  const before = await refused.count();
  await expectAccessible(page, testInfo, "metering records");
  await refused.first().getByRole("button", { name: "Retry now" }).click();
  await expect(page.getByRole("status")).toContainText("Record to be sent again now");
  await expect(page.locator("#records tbody tr")).toHaveCount(before - 1);
  expect((await request.post("/_dev/metering/run", { data: {} })).ok()).toBeTruthy();
  await page.goto(`/operator/metering?state=sent&q=${account}`);
  await expect(page.locator("#records tbody tr").first()).toContainText("Success");

}

test("an operator finds a customer, reads its timeline, retries a refused record, exports CSV and replays a webhook", async ({
  page,
  request,
}, testInfo) => {
  test.setTimeout(120_000);
  const { account, workspace } = await registeredBuyer(page, request, testInfo);
  const metering = jsEnabled(testInfo);
  if (metering) await refusedUsage(request, workspace);
  const operator = unique("op");
  addOperator(operator);
  const hook = await receiver();

  // Not logged in: the console is the site's 404 page.
  const notFound = await page.goto("/operator");
  expect(notFound?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1, name: "Page not found" })).toBeVisible();

  await page.goto("/operator/login");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "operator log in");
  await page.getByLabel("Username").fill(operator);
  await page.getByLabel("Password", { exact: true }).fill(OPERATOR_PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/operator$/);
  await expect(page.getByRole("heading", { level: 1, name: "Customers" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "customers");

  // Find the customer by part of its AWS account id.
  await page.getByLabel("Search").fill(account.slice(2, 9));
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/\/operator\?q=/);
  const row = page.locator("#customers tbody tr").filter({ hasText: account });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("Activated");

  // Export the filtered list.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toBe("customers.csv");
  const csv = readFileSync(await download.path(), "utf8").trim().split("\r\n");
  expect(csv[0]).toMatch(/^customer_id,aws_account_id,/);
  expect(csv.slice(1).some((line) => line.includes(`,${account},`))).toBeTruthy();

  // Its page and timeline.
  await row.getByRole("link", { name: account }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(account);
  await ready(page, testInfo);
  const timeline = page.locator("#timeline");
  await expect(timeline).toContainText("customer.resolved");
  await expect(timeline).toContainText("activation.completed");
  if (metering) await expect(timeline).toContainText("metering.refused");
  await expectAccessible(page, testInfo, "a customer and its timeline");

  // Metering: the refused records, one retried now.
  await page.getByRole("link", { name: "Metering records" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Metering records" })).toBeVisible();
  if (metering) await retryARefusedRecord(page, request, testInfo, account);

  // Webhooks: an endpoint for new subscriptions, a delivery, its replay.
  await page.getByRole("link", { name: "Webhooks" }).click();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "webhooks");
  await page.getByLabel("URL").fill(hook.url);
  await page.getByLabel("customer.subscribed").check();
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("Endpoint added");
  await expect(page.locator("#endpoints")).toContainText(hook.url);
  const minted = await request.post("/_sim/aws/tokens", { data: { aws_account_id: randomAccount() } });
  const { token } = await minted.json();
  await request.post("/marketplace/aws", { form: { "x-amzn-marketplace-token": token }, maxRedirects: 0 });
  await expect.poll(() => hook.got.length, { timeout: 15_000 }).toBeGreaterThan(0);
  const eventId = hook.got[0]["portal-event-id"];
  expect(hook.got[0]["portal-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  await page.goto("/operator/webhooks?state=delivered");
  const delivered = page.locator("#deliveries tbody tr").filter({ hasText: String(eventId) }).filter({ hasText: hook.url });
  await expect(delivered).toContainText("Delivered");
  await delivered.getByRole("button", { name: "Replay" }).click();
  await expect(page.getByRole("status")).toContainText("Delivery queued again");
  await expect.poll(() => hook.got.filter((h) => h["portal-event-id"] === eventId).length, { timeout: 15_000 }).toBe(2);

  // The same console in Chinese.
  await page.getByRole("button", { name: "Language – 中文" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Webhook" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "webhooks in Chinese");
  await page.getByRole("link", { name: "客户" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "客户" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "customers in Chinese");
  await page.goto(`/operator?q=${account}`);
  await page.locator("#customers tbody tr").filter({ hasText: account }).getByRole("link", { name: account }).click();
  await expect(page.getByRole("heading", { level: 2, name: "时间线" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "a customer in Chinese");
  await page.getByRole("link", { name: "计量记录" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "计量记录" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "metering records in Chinese");
  await page.getByRole("button", { name: "退出登录" }).click();
  await expect(page).toHaveURL(/\/operator\/login$/);
  await page.getByRole("button", { name: "语言 – English" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Operator log in" })).toBeVisible();
  hook.close();
});
