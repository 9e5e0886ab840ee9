import { expect, test, type APIRequestContext, type Locator, type Page, type TestInfo } from "@playwright/test";
import {
  completeStep1,
  expectAccessible,
  jsEnabled,
  latestCode,
  PASSWORD,
  randomAccount,
  ready,
  startRegister,
  subscribeViaDev,
  unique,
} from "./helpers";

// Register branch, step 1 (basic information). Runs with and without JavaScript.

test("the register path: basic information with an emailed code, company, workspace, check, Activate", async ({
  page,
  request,
}, testInfo) => {
  const { username, email } = await completeStep1(page, request, testInfo);
  // Step 3 cannot be skipped to.
  await page.goto("/activate/register/workspace");
  await expect(page).toHaveURL(/\/activate\/register\/company$/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 2");

  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert").getByRole("link", { name: "Enter your company name" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 2 in its error state");
  await page.getByLabel("Company name").fill("Acme Observability Ltd");
  await page.getByLabel("Industry (optional)").selectOption("finance");
  await page.getByLabel("Company size (optional)").selectOption("50-199");
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/workspace$/);
  await expect(page.getByText("Step 3 of 4")).toBeVisible();
  await expect(page.getByText("It cannot be changed later.")).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 3");

  // Step 4 cannot be skipped to.
  await page.goto("/activate/register/check");
  await expect(page).toHaveURL(/\/activate\/register\/workspace$/);
  await ready(page, testInfo);

  await page.getByRole("button", { name: "Continue" }).click();
  const summary = page.getByRole("alert");
  await expect(summary.getByRole("link", { name: "Enter a workspace name" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Select the workspace language" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Agree to the terms to continue" })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 3 in its error state");
  await page.getByLabel("Workspace name").fill("  Production  ");
  await page.getByRole("radio", { name: "中文" }).check();
  await page.getByLabel("I agree to the terms").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/check$/);
  await expect(page.getByText("Step 4 of 4")).toBeVisible();

  // Back keeps every answer (but the password).
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Back" }).click();
  await expect(page.getByLabel("Workspace name")).toHaveValue("Production");
  await expect(page.getByRole("radio", { name: "中文" })).toBeChecked();
  await expect(page.getByLabel("I agree to the terms")).toBeChecked();
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Back" }).click();
  await expect(page.getByLabel("Company name")).toHaveValue("Acme Observability Ltd");
  await expect(page.getByLabel("Industry (optional)")).toHaveValue("finance");
  await page.goto("/activate/register");
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await expect(page.getByText("Your email address is verified.")).toBeVisible();
  await expect(page.getByText("Leave both password fields blank to keep it")).toBeVisible();
  // Continuing with the password fields blank keeps the password, and returns to the check page.
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page).toHaveURL(/\/activate\/register\/check$/);
  await checkAndActivate(page, request, testInfo, { username, email });
});

/** Step 4: every answer with a Change link that returns here; Activate; the completion page. */
async function checkAndActivate(
  page: Page,
  request: APIRequestContext,
  testInfo: TestInfo,
  who: { username: string; email: string },
) {
  await expect(page.getByText("Step 4 of 4")).toBeVisible();
  // Grouped by step, each under its heading.
  await expect(page.locator("h2.summary-heading")).toHaveText(["Basic information", "Company information", "Workspace"]);
  const answers = page.locator("#main");
  await expect(answers).toContainText("International Region 1 (Oregon)");
  await expect(answers).toContainText(who.username);
  await expect(answers).toContainText(`${who.email} (verified)`);
  await expect(answers).toContainText("+1 541 754 3010");
  await expect(answers).toContainText("Acme Observability Ltd");
  await expect(answers).toContainText("Finance and insurance");
  await expect(answers).toContainText("Production");
  await expect(answers).toContainText("中文");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 4");

  // A Change link goes to the answer and Continue comes straight back here.
  await page.getByRole("link", { name: "Change workspace name" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/workspace#workspace_name$/);
  await page.getByLabel("Workspace name").fill("Production EU");
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/check$/);
  await expect(answers).toContainText("Production EU");

  // A second tab on the same page: its Activate after the first sees the finished state, not an error.
  const second = await page.context().newPage();
  await second.goto("/activate/register/check");
  await ready(second, testInfo);

  await ready(page, testInfo);
  await page.getByRole("button", { name: "Activate" }).click();
  await expect(page).toHaveURL(/\/activate\/register\/done$/);
  await expect(page.getByRole("heading", { level: 1, name: "Activation complete" })).toBeVisible();
  const workspace = page.getByTestId("activated-workspace");
  await expect(workspace).toContainText("Production EU");
  await expect(workspace).toContainText("International Region 1 (Oregon)");
  await expect(workspace.getByText("Linked", { exact: true })).toBeVisible();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "the completion page");

  await second.getByRole("button", { name: "Activate" }).click();
  await expect(second).toHaveURL(/\/activate\/register\/done$/);
  await expect(second.getByTestId("activated-workspace")).toContainText("Production EU");
  await second.close();

  // One "activated" email, with the next steps and the login link.
  const res = await request.get(`/_dev/mailbox.json?to=${encodeURIComponent(who.email)}`);
  const mails: { subject: string; text: string }[] = await res.json();
  const activated = mails.filter((m) => m.subject.includes("is activated"));
  expect(activated).toHaveLength(1);
  expect(activated[0].subject).toContain("Production EU");
  expect(activated[0].text).toContain("/login");
  expect(activated[0].text).toContain(who.username);

  // The steps now show the outcome rather than a form that would create a second account.
  await page.goto("/activate/register");
  await expect(page).toHaveURL(/\/activate\/register\/done$/);
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
}

test("step 2 cannot be reached by URL before step 1 is complete", async ({ page }, testInfo) => {
  await startRegister(page, testInfo);
  await page.goto("/activate/register/company");
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page.getByRole("heading", { level: 1, name: "Basic information" })).toBeVisible();
});

test("step 1: missing and invalid answers are listed, kept and nothing moves on", async ({ page }, testInfo) => {
  await startRegister(page, testInfo);
  await page.getByLabel("Username").fill("ab");
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  await expect(page).toHaveTitle(/^Error: /);
  const summary = page.getByRole("alert");
  await expect(summary.getByRole("heading", { name: "There is a problem" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Select where your workspace will be" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Username must be 3 characters or more" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Enter a password" })).toBeVisible();
  await expect(summary.getByRole("link", { name: "Enter an email address" })).toBeVisible();
  await expect(page.getByLabel("Username")).toHaveValue("ab");
  if (jsEnabled(testInfo)) {
    await ready(page, testInfo);
    await expect(summary).toBeFocused();
    // After a submission, the field re-checks itself as the buyer corrects it (the server's own rule).
    const username = page.getByLabel("Username");
    await username.fill("abc");
    await expect(page.locator("#username-error")).toHaveCount(0);
    await expect(username).not.toHaveAttribute("aria-invalid", "true");
    await username.fill("9abc");
    await expect(page.locator("#username-error")).toHaveText("Error: Username must start with a letter (a to z)");
    await expect(username).toHaveAttribute("aria-invalid", "true");
    await expect(username).toHaveAttribute("aria-describedby", /username-error/);
  }
});

test("step 1: a weak password is explained and uses up no try of the code; a wrong code is refused with the tries left", async ({
  page,
  request,
}, testInfo) => {
  await startRegister(page, testInfo);
  const username = unique("buyer");
  const email = `${username}@example.com`;
  await page.getByLabel("China Region 2 (Ningxia)").check();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText("We sent a 6-digit code");
  await ready(page, testInfo);
  const code = await latestCode(request, email);
  // A second code only after a minute: with JavaScript the button counts down and ignores presses;
  // without, the server says how long to wait. Either way no second email.
  if (jsEnabled(testInfo)) {
    await expect(page.locator(".send-code-wait")).toContainText(/You can ask for a new code in \d+ s/);
    const again = page.getByRole("button", { name: "Send code" });
    await expect(again).toHaveAttribute("aria-disabled", "true");
    await again.click({ force: true }); // a person can still press it; nothing is sent
    await expect(page).toHaveURL(/\/activate\/register#code$/);
    await expect(page.locator("#code-error")).toHaveCount(0);
  } else {
    await page.getByRole("button", { name: "Send code" }).click();
    await expect(page.locator("#code-error")).toContainText(/You can ask for a new code in \d+ seconds/);
  }
  const mails = await (await request.get(`/_dev/mailbox.json?to=${encodeURIComponent(email)}`)).json();
  expect(mails).toHaveLength(1);
  const wrong = code === "000000" ? "111111" : "000000";
  await page.getByLabel("Verification code").fill(wrong);
  await page.getByLabel("Password", { exact: true }).fill("passwordpassword");
  await page.getByLabel("Confirm password").fill("passwordpassword");
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  // The password is the server's to judge; while it is wrong the code is not tried (no try used up).
  await expect(page.locator("#password-error")).toContainText("harder to guess");
  await expect(page.locator("#code-error")).toContainText("The code has not been checked yet, so it is still good");
  await ready(page, testInfo);
  // Everything else right: now the wrong code is tried, and the tries left are said.
  await page.getByLabel("Verification code").fill(wrong);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.locator("#code-error")).toContainText("You have 4 more tries");
});

test("an expired code is refused and says how to get a new one", async ({ page, request }, testInfo) => {
  await startRegister(page, testInfo);
  const username = unique("buyer");
  const email = `${username}@example.com`;
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText("We sent a 6-digit code");
  await ready(page, testInfo);
  const code = await latestCode(request, email);
  // Ten minutes pass (the dev mailbox expires the address's codes).
  const expired = await request.post(`/_dev/mailbox/expire?to=${encodeURIComponent(email)}`);
  expect(await expired.json()).toEqual({ expired: 1 });
  await page.getByLabel("International Region 1 (Oregon)").check();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(PASSWORD);
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.locator("#code-error")).toContainText(
    "The verification code has expired. Select Send code to get a new one",
  );
  await expect(page).toHaveURL(/\/activate\/register$/);
});

/** Presses Tab until `target` has focus (failing if it never does): what a keyboard user does. */
async function tabTo(page: Page, target: Locator, max = 60) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reachable with the Tab key: ${target}`);
}

test("the register path can be completed with the keyboard alone", async ({ page, request }, testInfo) => {
  await subscribeViaDev(page, testInfo, randomAccount());
  await tabTo(page, page.getByLabel("No billing account"));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByRole("button", { name: "Continue" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/activate\/register$/);
  await ready(page, testInfo);

  const username = unique("keys");
  const email = `${username}@example.com`;
  await tabTo(page, page.getByLabel("China Region 2 (Ningxia)"));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByLabel("Username"));
  await page.keyboard.type(username);
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type(email);
  await tabTo(page, page.getByRole("button", { name: "Send code" }));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status")).toContainText("We sent a 6-digit code");
  await ready(page, testInfo);
  const code = await latestCode(request, email);
  await tabTo(page, page.getByLabel("Password", { exact: true }));
  await page.keyboard.type(PASSWORD);
  // With JavaScript, Tab passes the password's Show button on the way to the confirmation.
  await page.keyboard.press("Tab");
  if (jsEnabled(testInfo)) {
    await expect(page.getByRole("button", { name: "Show password" }).first()).toBeFocused();
    await page.keyboard.press("Tab");
  }
  await expect(page.getByLabel("Confirm password")).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await tabTo(page, page.getByLabel("Verification code"));
  await page.keyboard.type(code);
  await tabTo(page, page.getByRole("button", { name: "Continue", exact: true }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/activate\/register\/company$/);
  await ready(page, testInfo);

  await tabTo(page, page.getByLabel("Company name"));
  await page.keyboard.type("Keyboard Industries");
  await page.keyboard.press("Enter"); // Enter in a field submits its form
  await expect(page).toHaveURL(/\/activate\/register\/workspace$/);
  await ready(page, testInfo);

  await tabTo(page, page.getByLabel("Workspace name"));
  await page.keyboard.type("Keys");
  await tabTo(page, page.getByRole("radio", { name: "English" }));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByLabel("I agree to the terms"));
  await page.keyboard.press("Space");
  await tabTo(page, page.getByRole("button", { name: "Continue" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/activate\/register\/check$/);
  await ready(page, testInfo);

  await tabTo(page, page.getByRole("button", { name: "Activate" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/activate\/register\/done$/);
  await expect(page.getByTestId("activated-workspace").getByText("Linked", { exact: true })).toBeVisible();
  await ready(page, testInfo);
  await tabTo(page, page.getByRole("button", { name: "Confirm" }));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
});
