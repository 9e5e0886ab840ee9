import { expect, test, type Page } from "@playwright/test";
import { expectAccessible, grouped, jsEnabled, randomAccount, ready, subscribeViaDev } from "./helpers";

// Every test here runs twice: in the "js" project (hydrated, reactive) and the "nojs" project (plain forms).

test("/dev → Set Up Your Account → /activate → No billing account", async ({ page }, testInfo) => {
  await subscribeViaDev(page, testInfo, randomAccount());
  await expect(page).toHaveTitle(/^Activate your subscription/);
  await page.getByLabel("No billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page.getByRole("heading", { level: 1, name: "Basic information" })).toBeVisible();
});

test("/dev → Set Up Your Account → /activate → I have a billing account, and Back keeps the choice", async ({
  page,
}, testInfo) => {
  const account = randomAccount();
  await subscribeViaDev(page, testInfo, account);
  await page.getByLabel("I have a billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/link$/);
  await expect(page.getByRole("heading", { level: 1, name: "Link billing account" })).toBeVisible();
  await expect(page.getByText(grouped(account))).toBeVisible();

  await ready(page, testInfo);
  await page.getByRole("link", { name: "Back" }).click();
  await expect(page).toHaveURL(/\/activate$/);
  await ready(page, testInfo);
  await expect(page.getByLabel("I have a billing account")).toBeChecked();
});

test("Continue without a choice shows the error summary and changes nothing", async ({ page }, testInfo) => {
  await subscribeViaDev(page, testInfo, randomAccount());
  await page.getByRole("button", { name: "Continue" }).click();
  // Without JavaScript the server answers; with it the browser finds the missing choice and sends nothing.
  await expect(page).toHaveURL(jsEnabled(testInfo) ? /\/activate$/ : /\/activate\?error=branch$/);
  const summary = page.getByRole("alert");
  await expect(summary.getByRole("heading", { name: "There is a problem" })).toBeVisible();
  await expect(page).toHaveTitle(/^Error: /);
  await expect(page.locator("#branch-error")).toContainText("Select whether you already have a Guance billing account");
  if (jsEnabled(testInfo)) {
    await ready(page, testInfo);
    await expect(summary).toBeFocused();
  }
  // The summary links to the first option; the buyer can still go on.
  await summary.getByRole("link").click();
  await page.getByLabel("No billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
});

/** Opens a page at `origin` (routed here, no network) holding AWS's Set Up Your Account form for `token`. */
async function marketplacePage(page: Page, origin: string, token: string): Promise<string> {
  const action = new URL("/marketplace/aws", test.info().project.use.baseURL).href;
  await page.route(`${origin}/**`, (route) =>
    route.fulfill({
      contentType: "text/html",
      body:
        `<!DOCTYPE html><title>AWS Marketplace</title><form method="post" action="${action}">` +
        `<input type="hidden" name="x-amzn-marketplace-token" value="${token}">` +
        `<button>Set Up Your Account</button></form>`,
    }),
  );
  await page.goto(`${origin}/saas/setup`);
  return action;
}

test("a token posted from AWS's site (another origin) starts the session", async ({ page, request }) => {
  const account = randomAccount();
  const minted = await request.post("/_sim/aws/tokens", { data: { aws_account_id: account } });
  expect(minted.status()).toBe(201);
  const { token } = await minted.json();
  await marketplacePage(page, "http://marketplace.test", token);
  await page.getByRole("button", { name: "Set Up Your Account" }).click();
  await expect(page).toHaveURL(/\/activate$/);
  await expect(page.getByTestId("aws-account")).toHaveText(grouped(account));
});

test("a token posted from any other site is refused: nobody plants a session in a buyer's browser", async ({ page, request }) => {
  const minted = await request.post("/_sim/aws/tokens", { data: { aws_account_id: randomAccount() } });
  const { token } = await minted.json();
  const action = await marketplacePage(page, "http://evil.test", token);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === action),
    page.getByRole("button", { name: "Set Up Your Account" }).click(),
  ]);
  expect(response.status()).toBe(403);
  expect(await response.headerValue("set-cookie")).toBeNull();
  await expect(page.getByTestId("reason")).toHaveText(
    "This request did not come from AWS Marketplace, so it cannot start an activation in your browser.",
  );
});

test("a bad token gets a page in plain words that points back to AWS Marketplace", async ({ page }) => {
  const action = await marketplacePage(page, "http://marketplace.test", "forged");
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === action),
    page.getByRole("button", { name: "Set Up Your Account" }).click(),
  ]);
  expect(response.status()).toBe(400);
  await expect(page.getByRole("heading", { name: "We could not start your activation" })).toBeVisible();
  await expect(page.getByTestId("reason")).toHaveText("The registration token from AWS Marketplace is not valid.");
  await expect(page.getByText("click Set Up Your Account again")).toBeVisible();
});

test("without a session, /activate explains that activation starts from AWS Marketplace", async ({ page }) => {
  await page.goto("/activate");
  await expect(page.getByRole("heading", { level: 1, name: "Activation starts from AWS Marketplace" })).toBeVisible();
  await page.goto("/activate/register");
  await expect(page.getByRole("heading", { level: 1, name: "Activation starts from AWS Marketplace" })).toBeVisible();
});

test("/dev refuses a malformed account id in plain words", async ({ page }, testInfo) => {
  await page.goto("/dev");
  await ready(page, testInfo);
  await page.getByLabel("AWS account ID").fill("12345");
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByText("AWS account ID must be 12 digits")).toBeVisible();
});

test("a payment AWS Marketplace announced as failed (before the buyer came) is shown on /activate", async ({
  page,
  request,
}, testInfo) => {
  const account = randomAccount();
  const sent = await request.post("/_sim/aws/sns/send", { data: { aws_account_id: account, action: "subscribe-fail" } });
  expect(sent.ok()).toBeTruthy();
  expect((await sent.json()).delivered.answer.outcome).toBe("kept until the customer registers");
  await subscribeViaDev(page, testInfo, account);
  const notice = page.getByTestId("payment-failed");
  await expect(notice.getByRole("heading", { name: "AWS Marketplace could not take payment" })).toBeVisible();
  await expectAccessible(page, testInfo, "/activate with a failed payment");
});
