import { expect, test } from "@playwright/test";
import { completeStep1, expectAccessible, finishRegister, PASSWORD, ready } from "./helpers";

// After activation: log in, the billing center, and what a cancelled subscription shows there.

test("activate → log in → the billing center shows the workspace billed through AWS Marketplace, then the countdown of a cancelled subscription", async ({
  page,
  request,
}, testInfo) => {
  const who = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, "Production");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("heading", { level: 1, name: "Log in" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/login");

  // A wrong password: one message, in the summary and beside the field.
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password").fill("not the password, certainly not");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login\?error=credentials/);
  await expect(page).toHaveTitle(/^Error: /);
  await expect(page.getByRole("alert")).toContainText("Incorrect username or password");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/login with an error");

  await expect(page.getByLabel("Username")).toHaveValue(who.username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Billing center" })).toBeVisible();
  const row = page.getByTestId("billing-row").filter({ hasText: "Production" });
  await expect(row).toContainText(`AWS Marketplace, account …${who.account.slice(-4)}`);
  await expect(row).toContainText("Active");
  await expect(row).toContainText(who.username);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing");

  // AWS Marketplace says the subscription ended: the workspace locks in 14 days.
  const sent = await request.post("/_sim/aws/sns/send", {
    data: { aws_account_id: who.account, action: "unsubscribe-success" },
  });
  expect((await sent.json()).delivered.answer.outcome).toBe("applied");
  await page.reload();
  await expect(page.getByTestId("billing-row").filter({ hasText: "Production" })).toContainText("Locked in 14 days");

  await ready(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/billing");
  await expect(page).toHaveURL(/\/login$/);
});
