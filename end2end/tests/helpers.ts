import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";

/** True in the project that runs with JavaScript enabled. */
export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** With JavaScript, wait until the page is hydrated (the app sets `data-hydrated` on mount) before clicking. */
export async function ready(page: Page, testInfo: TestInfo): Promise<void> {
  if (jsEnabled(testInfo)) {
    await expect(page.locator('main[data-hydrated="true"]')).toHaveCount(1);
    // Islands that show themselves once live (Show / Hide) have done so: the layout is final.
    await expect(page.locator(".password-toggle[hidden]")).toHaveCount(0);
  }
  // On a phone-sized window every page must fit its width (checked wherever a flow stops on a page).
  if ((page.viewportSize()?.width ?? 1280) <= 480) {
    await expectNoHorizontalScroll(page);
  }
}

/** The page is no wider than the window: nothing to scroll sideways to. */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, innerWidth, url } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    url: location.pathname + location.search,
  }));
  expect(scrollWidth, `${url} is ${scrollWidth} px wide in a ${innerWidth} px window`).toBeLessThanOrEqual(innerWidth);
}

/** A fresh 12-digit AWS account id, so tests sharing one database never meet. */
export function randomAccount(): string {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 12) digits += String(Math.floor(Math.random() * 10));
  return digits;
}

/** `123456789012` → `1234-5678-9012`, as the portal shows it. */
export function grouped(account: string): string {
  return `${account.slice(0, 4)}-${account.slice(4, 8)}-${account.slice(8)}`;
}

/** Walks `/dev` the way a person does: subscribe, then AWS's Set Up Your Account button. Ends on /activate. */
export async function subscribeViaDev(page: Page, testInfo: TestInfo, account: string): Promise<void> {
  await page.goto("/dev");
  await ready(page, testInfo);
  await page.getByLabel("AWS account ID").fill(grouped(account));
  await page.getByRole("button", { name: "Subscribe" }).click();
  await expect(page.getByRole("heading", { name: "Thank you for subscribing" })).toBeVisible();
  await page.getByRole("button", { name: "Set Up Your Account" }).click();
  await expect(page).toHaveURL(/\/activate$/);
  await expect(page.getByTestId("aws-account")).toHaveText(grouped(account));
  await ready(page, testInfo);
}

export const PASSWORD = "correct horse battery staple";

export function unique(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export async function startRegister(page: Page, testInfo: TestInfo, account: string = randomAccount()) {
  await subscribeViaDev(page, testInfo, account);
  await page.getByLabel("No billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page.getByRole("heading", { level: 1, name: "Basic information" })).toBeVisible();
  await expect(page.getByText("Step 1 of 4")).toBeVisible();
  await ready(page, testInfo);
}

export async function latestCode(request: APIRequestContext, email: string): Promise<string> {
  const res = await request.get(`/_dev/mailbox.json?to=${encodeURIComponent(email)}`);
  expect(res.status()).toBe(200);
  const mails: { subject: string; text: string }[] = await res.json();
  expect(mails.length).toBeGreaterThan(0);
  // The newest mail that holds a code (notices, e.g. "now billed through AWS Marketplace", hold none).
  const match = mails.map((m) => m.text.match(/\b(\d{6})\b/)).find((m) => m);
  expect(match, JSON.stringify(mails)).toBeTruthy();
  return match![1];
}

/** The path of the newest password-reset link mailed to `email` (`/forgot-password/reset?link=…`). */
export async function latestResetLink(request: APIRequestContext, email: string): Promise<string> {
  const res = await request.get(`/_dev/mailbox.json?to=${encodeURIComponent(email)}`);
  expect(res.status()).toBe(200);
  const mails: { subject: string; text: string }[] = await res.json();
  const match = mails.map((m) => m.text.match(/\/forgot-password\/reset\?link=[A-Za-z0-9_.-]+/)).find((m) => m);
  expect(match, JSON.stringify(mails)).toBeTruthy();
  return match![0];
}

/** axe WCAG 2.2 A/AA scan (JavaScript only: axe cannot run without it). */
export async function expectAccessible(page: Page, testInfo: TestInfo, what: string) {
  if (!jsEnabled(testInfo)) return;
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  expect(results.violations.map((v) => v.id), `axe violations on ${what}`).toEqual([]);
}

export async function fillPasswords(page: Page) {
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
}

/** Completes step 1 as a buyer would (code read from the dev mailbox, typed with a space); ends on step 2. */
export async function completeStep1(
  page: Page,
  request: APIRequestContext,
  testInfo: TestInfo,
  account: string = randomAccount(),
) {
  await startRegister(page, testInfo, account);
  const username = unique("buyer");
  const email = `${username}@example.com`;
  await page.getByLabel("International Region 1 (Oregon)").check();
  await page.getByLabel("Username").fill(username);
  await fillPasswords(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText(`We sent a 6-digit code to ${email}`);
  await ready(page, testInfo);
  // What was typed is kept. The passwords are never stored: with JavaScript the page keeps them in the
  // browser (the same page comes back); without, they are asked for again.
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await expect(page.getByLabel("International Region 1 (Oregon)")).toBeChecked();
  await expect(page.getByLabel("Password", { exact: true })).toHaveValue(jsEnabled(testInfo) ? PASSWORD : "");
  await expect(page.getByLabel("Confirm password")).toHaveValue(jsEnabled(testInfo) ? PASSWORD : "");

  const code = await latestCode(request, email);
  await page.getByLabel("Verification code").fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  await fillPasswords(page);
  await page.getByLabel("Phone (optional)").fill("+1 541 754 3010");
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page).toHaveURL(/\/activate\/register\/company$/);
  await expect(page.getByText("Step 2 of 4")).toBeVisible();
  await ready(page, testInfo);
  return { username, email, account };
}


/** Steps 2 to 4 of the register branch with fixed answers, after `completeStep1`; ends on the completion page. */
export async function finishRegister(page: Page, testInfo: TestInfo, workspace: string) {
  await page.getByLabel("Company name").fill("Acme Observability Ltd");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/workspace$/);
  await ready(page, testInfo);
  await page.getByLabel("Workspace name").fill(workspace);
  await page.getByRole("radio", { name: "English" }).check();
  await page.getByLabel("I agree to the terms").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/check$/);
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Activate" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/done$/);
  await ready(page, testInfo);
}
