import { expect, test } from "@playwright/test";
import { completeStep1, expectNoHorizontalScroll, finishRegister, latestResetLink, PASSWORD, ready } from "./helpers";

// A phone: 320 CSS pixels wide (also what a 640 px window shows at 200 % zoom). Every page the flows stop on is
// checked to fit the width (`ready` does it at this size).
test.use({ viewport: { width: 320, height: 720 } });

test("at 320 px the register path, the login, the billing center and the start page fit the width", async ({ page, request }, testInfo) => {
  const who = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, "A workspace with a rather long name for a phone");
  await page.getByRole("button", { name: "Confirm" }).click();
await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
  await ready(page, testInfo);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Your workspaces" }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Billing center" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await ready(page, testInfo);
  await page.goto("/forgot-password");
  await ready(page, testInfo);
  await page.getByLabel("Username or email").fill(who.email);
  await page.getByRole("button", { name: "Send link" }).click();
  await expect(page).toHaveURL(/\/forgot-password\/reset$/);
  await ready(page, testInfo);
  expect(await latestResetLink(request, who.email)).toMatch(/^\/forgot-password\/reset\?link=/);
});

test("at 320 px the wizard's error states fit the width, in Chinese too", async ({ page, request }, testInfo) => {
  await completeStep1(page, request, testInfo);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveTitle(/^Error: /);
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Language – 中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await ready(page, testInfo);
  await expectNoHorizontalScroll(page);
});
