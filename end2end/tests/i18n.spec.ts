import { expect, test } from "@playwright/test";
import { expectAccessible, randomAccount, ready, subscribeViaDev } from "./helpers";

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
