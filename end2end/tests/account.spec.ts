import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import { completeStep1, expectAccessible, finishRegister, jsEnabled, latestResetLink, PASSWORD, ready } from "./helpers";

// After activation: log in, the billing center, and what a cancelled subscription shows there.

/** Registers a new buyer with workspace `workspace`, confirms, and logs in (landing on the new workspace's
 * start page), then goes to the billing center by "Your workspaces": ends on `/billing`. */
async function activateThenLogIn(page: Page, request: APIRequestContext, testInfo: TestInfo, workspace: string) {
  const who = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, workspace);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: workspace })).toBeVisible();
  await toBillingCenter(page);
  return who;
}

/** From a workspace's start page: "Your workspaces", then the billing center. */
async function toBillingCenter(page: Page) {
  await page.getByRole("link", { name: "Your workspaces" }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await page.getByRole("link", { name: "Billing center" }).click();
  await expect(page).toHaveURL(/\/billing$/);
}

test("activate → log in → the billing center shows the workspace billed through AWS Marketplace, its start page with the DataKit command, the countdown of a cancelled subscription and a once-a-month settlement change", async ({
  page,
  request,
}, testInfo) => {
  const who = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, "Production");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Log in" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/login");

  // A wrong password: one message, in the summary and beside the field.
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password", { exact: true }).fill("not the password, certainly not");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/login\?error=credentials/);
  await expect(page).toHaveTitle(/^Error: /);
  await expect(page.getByRole("alert")).toContainText("Incorrect username or password");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/login with an error");

  await expect(page.getByLabel("Username")).toHaveValue(who.username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  // Right after an activation, log in lands on the new workspace's start page: "Start using Guance".
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Production" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Start using Guance" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Watch the introductory video" })).toHaveAttribute("href", /^https:\/\//);
  await ready(page, testInfo);
  // "Your workspaces" lists it; the billing center is offered to the billing account's owner.
  await page.getByRole("link", { name: "Your workspaces" }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await expect(page.getByTestId("your-workspaces").getByRole("link", { name: "Production" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/workspaces");
  await page.getByRole("link", { name: "Billing center" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Billing center" })).toBeVisible();
  const row = page.getByTestId("billing-row").filter({ hasText: "Production" });
  await expect(row).toContainText(`AWS Marketplace, account …${who.account.slice(-4)}`);
  await expect(row).toContainText("Active");
  await expect(row.getByText("Linked", { exact: true })).toBeVisible();
  await expect(row).toContainText(who.username);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing");

  // The workspace's start page: how it is billed and how to start sending it data.
  await row.getByRole("link", { name: "Production" }).click();
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Production" })).toBeVisible();
  await expect(page.getByTestId("workspace-summary")).toContainText("International Region 1 (Oregon)");
  await expect(page.getByRole("heading", { name: "Start by installing DataKit" })).toBeVisible();
  await expect(page.getByLabel("Install command")).toHaveValue(/https:\/\/us1-openway\.guance\.com\?token=tkn_[0-9a-f]{32}/);
  await ready(page, testInfo);
  if (jsEnabled(testInfo)) {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await page.getByRole("button", { name: "Copy command" }).click();
    await expect(page.getByText("Copied to the clipboard")).toBeVisible();
  } else {
    await expect(page.getByRole("button", { name: "Copy command" })).toBeHidden();
  }
  await expectAccessible(page, testInfo, "the workspace start page");
  await toBillingCenter(page);

  // AWS Marketplace says the subscription ended: the workspace locks in 14 days.
  const sent = await request.post("/_sim/aws/sns/send", {
    data: { aws_account_id: who.account, action: "unsubscribe-success" },
  });
  expect((await sent.json()).delivered.answer.outcome).toBe("applied");
  await page.reload();
  await expect(page.getByTestId("billing-row").filter({ hasText: "Production" })).toContainText("Locked in 14 days");

  // The owner moves the workspace to the billing center (after a confirmation); a second change this month is
  // refused with the reason.
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Bill through the billing center (Production)" }).click();
  await expect(page.getByRole("heading", { name: "Change how “Production” is billed?" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing's confirmation");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/billing\?changed=\d+$/);
  await expect(page.getByRole("status")).toContainText("The settlement method is changed.");
  await expect(page.getByTestId("billing-row").filter({ hasText: "Production" })).toContainText("Billing center");
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Bill through AWS Marketplace (Production)" }).click();
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/billing\?refused=month/);
  await expect(page).toHaveTitle(/^Error: /);
  await expect(page.getByRole("alert")).toContainText("already changed this month");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing with a refused change");

  await ready(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/billing");
  await expect(page).toHaveURL(/\/login\?next=\/billing$/);
});

test("forgot password: a link by email, a new password, and the old sessions end", async ({ page, request, browser }, testInfo) => {
  const who = await activateThenLogIn(page, request, testInfo, "Staging");

  // Another browser forgets the password.
  const other = await browser.newContext({ baseURL: testInfo.project.use.baseURL, javaScriptEnabled: jsEnabled(testInfo) });
  const visitor = await other.newPage();
  await visitor.goto("/login");
  await visitor.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(visitor).toHaveURL(/\/forgot-password$/);
  await expect(visitor.getByRole("heading", { level: 1, name: "Reset your password" })).toBeVisible();
  await ready(visitor, testInfo);
  await expectAccessible(visitor, testInfo, "/forgot-password");
  await visitor.getByRole("button", { name: "Send link" }).click();
  await expect(visitor).toHaveTitle(/^Error: /);
  await expect(visitor.getByRole("alert")).toContainText("Enter your username or email address");
  await ready(visitor, testInfo);
  await expectAccessible(visitor, testInfo, "/forgot-password with an error");
  await visitor.getByLabel("Username or email").fill(who.email.toUpperCase());
  await visitor.getByRole("button", { name: "Send link" }).click();
  await expect(visitor).toHaveURL(/\/forgot-password\/reset$/);
  await expect(visitor.getByRole("status")).toContainText("we sent a link to its email address");
  await ready(visitor, testInfo);
  await expectAccessible(visitor, testInfo, "/forgot-password/reset");

  // The mailed link opens the new-password form; the secret leaves the address bar at once.
  const link = await latestResetLink(request, who.email);
  await visitor.goto(link);
  await expect(visitor).toHaveURL(/\/forgot-password\/reset$/);
  await expect(visitor.getByText(`Choose a new password for ${who.username}.`)).toBeVisible();
  await ready(visitor, testInfo);
  await expectAccessible(visitor, testInfo, "/forgot-password/reset after the link");

  // The new password follows the wizard's rules; a weak one is explained and the proof stays.
  await visitor.getByLabel("New password", { exact: true }).fill("aaaaaaaaaaaaaaaa");
  await visitor.getByLabel("Confirm new password").fill("aaaaaaaaaaaaaaaa");
  await visitor.getByRole("button", { name: "Change password" }).click();
  await expect(visitor).toHaveTitle(/^Error: /);
  await expect(visitor.getByRole("alert")).toBeVisible();
  await ready(visitor, testInfo);
  await expectAccessible(visitor, testInfo, "/forgot-password/reset with an error");
  const fresh = "amber lanterns drift over seven quiet bridges";
  await visitor.getByLabel("New password", { exact: true }).fill(fresh);
  await visitor.getByLabel("Confirm new password").fill(fresh);
  await visitor.getByRole("button", { name: "Change password" }).click();
  await expect(visitor).toHaveURL(/\/login\?reset=done$/);
  await expect(visitor.getByRole("status")).toContainText("Your password has been changed");
  await visitor.getByLabel("Username").fill(who.username);
  await visitor.getByLabel("Password", { exact: true }).fill(fresh);
  await visitor.getByRole("button", { name: "Log in" }).click();
  await expect(visitor).toHaveURL(/\/workspaces$/);
  await other.close();

  // The first browser's session has ended: log in again, and back to the page it was on.
  await page.reload();
  await expect(page).toHaveURL(/\/login\?next=\/billing$/);
});

test("two-step verification: the billing center links to it, the page offers a QR code and a key, a wrong code is explained", async ({
  page,
  request,
}, testInfo) => {
  await activateThenLogIn(page, request, testInfo, "Two-step");
  await expect(page.getByTestId("two-step-state")).toContainText("Two-step verification: off.");
  await page.getByRole("link", { name: "Manage two-step verification" }).click();
  await expect(page).toHaveURL(/\/billing\/two-step$/);
  await expect(page.getByRole("heading", { level: 1, name: "Two-step verification" })).toBeVisible();
  await expect(page.getByRole("img", { name: "QR code to add your Guance account to an authenticator app" })).toBeVisible();
  await expect(page.getByTestId("two-step-key")).toHaveText(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing/two-step");

  await page.getByLabel("Authenticator code").fill("000000");
  await page.getByRole("button", { name: "Turn on" }).click();
  await expect(page).toHaveURL(/\/billing\/two-step\?error=/);
  await expect(page).toHaveTitle(/^Error: /);
  await expect(page.getByRole("alert")).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing/two-step with an error");
  await page.getByRole("link", { name: "Back to the billing center" }).click();
  await expect(page.getByTestId("two-step-state")).toContainText("Two-step verification: off.");
});
