import { expect, test } from "@playwright/test";
import { completeStep1, expectAccessible, startRegister, finishRegister, latestResetLink, PASSWORD, randomAccount, ready, subscribeViaDev } from "./helpers";

// English and Simplified Chinese: the header's switch (remembered), else the browser's Accept-Language.

test("the language switch shows the wizard in Chinese, remembers the choice and sets <html lang>", async ({ page }, testInfo) => {
  await subscribeViaDev(page, testInfo, randomAccount());
  await expect(page).toHaveURL(/\/activate$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await page.getByRole("button", { name: "Language – 中文" }).click();
  await expect(page).toHaveURL(/\/activate$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("激活您的观测云订阅");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/activate in Chinese");

  // The next pages stay in Chinese.
  await page.getByLabel("没有费用中心账号").check();
  await page.getByRole("button", { name: "继续" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("基本信息");
  await expect(page.getByText("第 1 步，共 4 步")).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 1 in Chinese");

  // And back to English, on the same page.
  await page.getByRole("button", { name: "语言 – English" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Basic information");
});

test("switching language keeps what was typed on the page, with and without JavaScript", async ({ page }, testInfo) => {
  await startRegister(page, testInfo);
  await page.getByLabel("International Region 1 (Oregon)").check();
  await page.getByLabel("Username").fill("typed-before-switch");
  await page.getByLabel("Email").fill("typed@example.com");
  await page.locator("#phone").fill("+1 541 754 3010");
  await page.getByRole("button", { name: "Language – 中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("基本信息");
  await expect(page.locator("#username")).toHaveValue("typed-before-switch");
  await expect(page.locator("#email")).toHaveValue("typed@example.com");
  await expect(page.locator("#phone")).toHaveValue("+1 541 754 3010");
  await expect(page.locator("#site-us1")).toBeChecked();
  // Nothing was checked on the way: no error for what is not typed yet.
  await expect(page.locator(".error-summary")).toHaveCount(0);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 1 after switching language");
  // Pages without a wizard form switch as before.
  await page.goto("/login");
  await ready(page, testInfo);
  await page.getByRole("button", { name: "语言 – English" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page).toHaveURL(/\/login$/);
});

test("without a choice, the browser's Accept-Language decides", async ({ browser }, testInfo) => {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
    locale: "zh-CN",
  });
  const page = await context.newPage();
  await page.goto("/login");
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("登录");
  await expect(page.getByLabel("用户名")).toBeVisible();
  await context.close();
});

test("the account pages in Chinese: log in, billing center, workspace, forgot password — each accessible", async ({ page, request }, testInfo) => {
  // (Every wizard page is scanned in both languages by visual.spec.ts.)
  const who = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, "Production");
  await page.getByRole("button", { name: "Language – 中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await ready(page, testInfo);
  await page.getByRole("button", { name: "确认" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
  await ready(page, testInfo);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("登录");
  await expectAccessible(page, testInfo, "log in in Chinese");
  await page.locator("#username").fill(who.username);
  await page.locator("#password").fill("not the password, certainly not");
  await page.locator("main form button[type=submit]").click();
  await expect(page.locator(".error-summary")).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "log in, refused, in Chinese");
  await page.locator("#password").fill(PASSWORD);
  await page.locator("main form button[type=submit]").click();
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "workspace start page in Chinese");
  await page.getByRole("link", { name: "我的工作空间" }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "your workspaces in Chinese");
  await page.getByRole("link", { name: "费用中心" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "billing center in Chinese");
  await page.goto("/forgot-password");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "forgot password in Chinese");
  await page.locator("#identifier").fill(who.email);
  await page.locator("main form button.button").click();
  await expect(page).toHaveURL(/\/forgot-password\/reset$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "reset password in Chinese");
  await page.goto(await latestResetLink(request, who.email));
  await expect(page).toHaveURL(/\/forgot-password\/reset$/);
  await ready(page, testInfo);
  await page.locator("main form button.busy-on-press").click();
  await expect(page.locator(".error-summary")).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "reset password, refused, in Chinese");
});
