import { expect, test, type APIRequestContext, type Page, type TestInfo } from "@playwright/test";
import {
  completeStep1,
  expectAccessible,
  finishRegister,
  jsEnabled,
  latestCode,
  PASSWORD,
  randomAccount,
  ready,
  subscribeViaDev,
  unique,
} from "./helpers";

// The link branch ("I have a billing account"): link, bind, create with and without a Guance account.
// Runs with and without JavaScript.

/** A billing account registered through one AWS account, plus a workspace made in the billing center. */
async function billingAccountWithSpareWorkspace(page: Page, request: APIRequestContext, testInfo: TestInfo) {
  const owner = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, "Production");
  const res = await request.post("/_dev/billing-center/workspaces", {
    data: { billing_username: owner.username, name: "Spare", site: "cn2", language: "zh" },
  });
  expect(res.status()).toBe(201);
  return owner;
}

async function startLink(page: Page, testInfo: TestInfo, account: string) {
  await subscribeViaDev(page, testInfo, account);
  await page.getByLabel("I have a billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/link$/);
  await expect(page.getByRole("heading", { level: 1, name: "Link billing account" })).toBeVisible();
  await ready(page, testInfo);
}

/** A registered billing account, and a new AWS account on Link billing account with a code sent for it. */
async function codeSentForOwner(page: Page, request: APIRequestContext, testInfo: TestInfo) {
  const owner = await completeStep1(page, request, testInfo);
  await finishRegister(page, testInfo, "Production");
  await startLink(page, testInfo, randomAccount());
  await page.getByLabel("Billing account username").fill(owner.username);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toBeVisible();
  return { owner, code: await latestCode(request, owner.email) };
}

function row(page: Page, name: string) {
  return page.getByTestId("workspace-row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
}

test("link a billing account, bind its workspace, create workspaces with and without a Guance account", async ({
  page,
  request,
}, testInfo) => {
  const owner = await billingAccountWithSpareWorkspace(page, request, testInfo);
  const account = randomAccount();
  await startLink(page, testInfo, account);
  await expectAccessible(page, testInfo, "link billing account");

  // Send code says the same whether or not the username exists.
  await page.getByLabel("Billing account username").fill("nobody-here");
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toHaveText(
    "If nobody-here is a billing account, we sent a 6-digit code to the email address on file for it. It expires in 10 minutes.",
  );
  await ready(page, testInfo);
  await page.getByLabel("Billing account username").fill(owner.username.toUpperCase());
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toHaveText(
    `If ${owner.username.toUpperCase()} is a billing account, we sent a 6-digit code to the email address on file for it. It expires in 10 minutes.`,
  );
  await ready(page, testInfo);
  await page.getByLabel("Verification code").fill(await latestCode(request, owner.email));
  await page.getByRole("button", { name: "Link billing account" }).click();
  // Asked once more, with the way out.
  const question = `Link billing account ${owner.username.toUpperCase()} to AWS account ${account.slice(0, 4)}-${account.slice(4, 8)}-${account.slice(8)}?`;
  await expect(page.getByRole("heading", { level: 1, name: question })).toBeVisible();
  expect(await page.title()).toContain(question);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "link billing account's question");
  await expect(page.getByRole("button", { name: "Not your billing account? Start again" })).toBeVisible();
  await page.getByRole("button", { name: "Link billing account" }).click();
  await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);
  await expect(page.getByRole("heading", { level: 1, name: "Link workspace" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "link workspace");
  const startAgain = page.getByRole("button", { name: "Not your billing account? Start again" });
  await expect(startAgain).toBeVisible();

  // The registering AWS account's workspace is billed elsewhere: shown, not bindable.
  await expect(row(page, "Production")).toContainText("Billed to another AWS account");
  await expect(row(page, "Production").getByRole("button", { name: /Bind/ })).toHaveCount(0);
  await expect(row(page, "Spare")).toContainText("Not linked");
  await expect(row(page, "Spare")).toContainText("China Region 2 (Ningxia)");
  await expect(row(page, "Spare")).toContainText("中文");

  // Bind → a confirmation → Confirm → Linked.
  const bind = row(page, "Spare").getByRole("button", { name: "Bind Spare" });
  await bind.click();
  if (jsEnabled(testInfo)) {
    const dialog = page.getByRole("dialog", { name: "Bind workspace “Spare”?" });
    await expect(dialog).toBeVisible();
    await expectAccessible(page, testInfo, "the bind dialog");
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
    await expect(bind).toBeFocused();
    await bind.click();
    await expect(dialog).toBeVisible();
    await dialog.getByRole("button", { name: "Confirm" }).click();
  } else {
    await expect(page).toHaveURL(/\?confirm=\d+$/);
    const panel = page.getByRole("region", { name: "Bind workspace “Spare”?" });
    await expect(panel).toContainText("will be billed to AWS account");
    await panel.getByRole("button", { name: "Confirm" }).click();
  }
  await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);
  await expect(row(page, "Spare")).toContainText("Linked");
  await expect(page.getByRole("status")).toContainText("The workspace is linked");
  await expect(startAgain).toHaveCount(0);
  await ready(page, testInfo);

  // Create workspace with the existing Guance account, on the site chosen at the top right.
  await page.getByLabel("Site").selectOption({ label: "China Region 2 (Ningxia)" });
  await page.getByRole("button", { name: "Change site" }).click();
  await expect(page.getByLabel("Site")).toHaveValue("cn2");
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Create workspace" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Create workspace" })).toBeVisible();
  await expect(page.getByText("The workspace is created on China Region 2 (Ningxia)")).toBeVisible();
  await ready(page, testInfo);
  await page.getByLabel("I have a Guance account").check();
  await page.getByRole("button", { name: "Choose" }).click();
  await expect(page).toHaveURL(/account=existing$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "create workspace (existing account)");
  await page.getByRole("button", { name: "Create workspace" }).click();
  const summary = page.getByRole("alert");
  await expect(summary.getByRole("link", { name: "Enter a workspace name" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Agree to the terms to continue" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "create workspace in its error state");
  await page.getByLabel("Workspace name").fill("Staging");
  await page.getByRole("radio", { name: "English" }).check();
  await page.getByLabel("Email").fill(owner.email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText(`If a Guance account uses ${owner.email}, we sent`);
  await ready(page, testInfo);
  await page.getByLabel("Verification code").fill(await latestCode(request, owner.email));
  await page.getByLabel("I agree to the terms").check();
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);
  await expect(row(page, "Staging")).toContainText("Linked");
  await expect(row(page, "Staging")).toContainText("China Region 2 (Ningxia)");
  await ready(page, testInfo);

  // Create workspace with a new Guance account.
  await page.getByRole("link", { name: "Create workspace" }).click();
  await ready(page, testInfo);
  await page.getByLabel("I don't have a Guance account").check();
  await page.getByRole("button", { name: "Choose" }).click();
  await expect(page).toHaveURL(/account=new$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "create workspace (new account)");
  const member = unique("member");
  const memberEmail = `${member}@example.com`;
  await page.getByLabel("Workspace name").fill("Team B");
  await page.getByRole("radio", { name: "中文" }).check();
  await page.getByLabel("Username").fill(member);
  await page.getByLabel("Email").fill(memberEmail);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText(`We sent a 6-digit code to ${memberEmail}`);
  await ready(page, testInfo);
  await expect(page.getByLabel("Username")).toHaveValue(member);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByLabel("Verification code").fill(await latestCode(request, memberEmail));
  await page.getByLabel("I agree to the terms").check();
  await page.getByRole("button", { name: "Register and create workspace" }).click();
  await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);
  await expect(row(page, "Team B")).toContainText("Linked");
  await ready(page, testInfo);

  // Confirm finishes.
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/workspaces$/);

  // Coming back through AWS Marketplace: /activate says the AWS account is already activated — to which
  // billing account (masked), with which workspaces — and offers Log in, or binding or creating another.
  await page.goto("/dev");
  await ready(page, testInfo);
  await page.getByLabel("AWS account ID").fill(account);
  await page.getByRole("button", { name: "Subscribe" }).click();
  await page.getByRole("button", { name: "Set Up Your Account" }).click();
  await expect(page).toHaveURL(/\/activate$/);
  await expect(page.getByRole("heading", { level: 1, name: "This AWS account is already activated" })).toBeVisible();
  await expect(page.getByTestId("billing-account")).toHaveText(/^\S\*\*\*\S$/);
  await expect(page.getByTestId("linked-workspaces")).toContainText("Spare");
  await expect(page.getByRole("link", { name: "Log in" })).toHaveAttribute("href", "/login");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/activate for an AWS account already activated");
  await page.getByRole("link", { name: "Bind or create a workspace" }).click();
  await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);
  await expect(row(page, "Spare")).toContainText("Linked");
});

test("link billing account: wrong codes count down, and the fifth voids the code", async ({
  page,
  request,
}, testInfo) => {
  const { code } = await codeSentForOwner(page, request, testInfo);
  const wrong = code === "000000" ? "111111" : "000000";
  for (const left of ["4 more tries", "3 more tries", "2 more tries", "1 more try"]) {
    await ready(page, testInfo);
    await page.getByLabel("Verification code").fill(wrong);
    await page.getByRole("button", { name: "Link billing account" }).click();
    await expect(page.locator("#code-error")).toContainText(left);
    await expect(page).toHaveTitle(/^Error: /);
  }
  await ready(page, testInfo);
  await page.getByLabel("Verification code").fill(wrong);
  await page.getByRole("button", { name: "Link billing account" }).click();
  await expect(page.locator("#code-error")).toContainText("wrong code too many times");
  // The right code no longer works either.
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "link billing account in its error state");
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Link billing account" }).click();
  await expect(page.locator("#code-error")).toContainText("wrong code too many times");
  await expect(page).toHaveURL(/\/activate\/link/);
  await expect(page.getByRole("heading", { level: 1, name: "Link billing account" })).toBeVisible();
});

test("a code works once: creating a second workspace with the same code is refused", async ({
  page,
  request,
}, testInfo) => {
  const { owner, code: linkCode } = await codeSentForOwner(page, request, testInfo);
  await ready(page, testInfo);
  await page.getByLabel("Verification code").fill(linkCode);
  await page.getByRole("button", { name: "Link billing account" }).click();
  await expect(page.getByRole("button", { name: "Not your billing account? Start again" })).toBeVisible();
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Link billing account" }).click();
  await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);

  await page.goto("/activate/link/create?account=existing");
  await ready(page, testInfo);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toBeVisible();
  const code = await latestCode(request, owner.email);
  for (const [name, outcome] of [
    ["Once", "created"],
    ["Twice", "used"],
  ]) {
    await ready(page, testInfo);
    await page.getByLabel("Workspace name").fill(name);
    await page.getByRole("radio", { name: "English" }).check();
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Verification code").fill(code);
    await page.getByLabel("I agree to the terms").check();
    await page.getByRole("button", { name: "Create workspace" }).click();
    if (outcome === "created") {
      await expect(row(page, name)).toContainText("Linked");
      await page.goto("/activate/link/create?account=existing");
    } else {
      await expect(page.locator("#code-error")).toContainText("This verification code has already been used");
      await expect(page).toHaveURL(/account=existing/);
    }
  }
});
