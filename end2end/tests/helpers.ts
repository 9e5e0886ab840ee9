import { expect, type Page, type TestInfo } from "@playwright/test";

/** True in the project that runs with JavaScript enabled. */
export function jsEnabled(testInfo: TestInfo): boolean {
  return testInfo.project.use.javaScriptEnabled !== false;
}

/** With JavaScript, wait until the page is hydrated (the app sets `data-hydrated` on mount) before clicking. */
export async function ready(page: Page, testInfo: TestInfo): Promise<void> {
  if (jsEnabled(testInfo)) {
    await expect(page.locator('main[data-hydrated="true"]')).toHaveCount(1);
  }
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
