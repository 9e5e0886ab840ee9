import { expect, test, type Page } from "@playwright/test";
import {
  completeStep1,
  expectAccessible,
  fillPasswords,
  finishRegister,
  jsEnabled,
  latestCode,
  PASSWORD,
  randomAccount,
  ready,
  startRegister,
  subscribeViaDev,
  unique,
} from "./helpers";

// With JavaScript the wizard changes pages in the browser (app/src/ui/navigation.rs): one document load from
// /activate to the end of a branch. Without JavaScript the same forms post and redirect (the other specs).

/** Records every document the page loads from now on, and marks the window so that a reload would show. */
async function watchDocuments(page: Page): Promise<string[]> {
  const documents: string[] = [];
  page.on("request", (r) => {
    if (r.resourceType() === "document") documents.push(r.url());
  });
  await page.evaluate(() => ((window as unknown as { firstLoad: boolean }).firstLoad = true));
  return documents;
}

/** Records every request that sends something (a form, a server function) from now on. */
function watchSends(page: Page): string[] {
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.method() !== "GET") sent.push(new URL(r.url()).pathname);
  });
  return sent;
}

async function stillFirstLoad(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { firstLoad?: boolean }).firstLoad === true);
}

test("the register branch runs in one document: steps, errors, Send code, Back and Forward, focus and title", async ({
  page,
  request,
}, testInfo) => {
  test.skip(!jsEnabled(testInfo), "page changes in the browser need JavaScript");
  await subscribeViaDev(page, testInfo, randomAccount());
  const documents = await watchDocuments(page);

  await page.getByLabel("No billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  const heading = page.getByRole("heading", { level: 1, name: "Basic information" });
  await expect(heading).toBeFocused();
  await expect(page).toHaveTitle(/^Basic information/);
  await expect(page.locator("#page-announcer")).toHaveText(/^Basic information/);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "step 1 after a page change");

  // Errors come back in place: the summary takes focus, nothing is reloaded.
  await page.getByLabel("Username").fill("ab");
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.getByRole("alert")).toBeFocused();
  await expect(page).toHaveTitle(/^Error: /);
  await ready(page, testInfo);
  // A summary link goes to its field; Back from there stays on this page as it is (no new request).
  await page.getByRole("alert").getByRole("link", { name: "Username must be 3 characters or more" }).click();
  await expect(page).toHaveURL(/#username$/);
  await page.goBack();
  await expect(page).not.toHaveURL(/#username$/);
  await expect(page.getByRole("alert")).toBeVisible();
  await expect(page.getByLabel("Username")).toHaveValue("ab");

  const username = unique("buyer");
  const email = `${username}@example.com`;
  await page.getByLabel("International Region 1 (Oregon)").check();
  await page.getByLabel("Username").fill(username);
  await fillPasswords(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText(`We sent a 6-digit code to ${email}`);
  await expect(page).toHaveURL(/\/activate\/register#code$/);
  // The code field, where the buyer goes next, has focus (as the address's #code names it).
  await expect(page.getByLabel("Verification code")).toBeFocused();
  await ready(page, testInfo);
  const code = await latestCode(request, email);
  await page.getByLabel("Verification code").fill(code);
  await fillPasswords(page);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page).toHaveURL(/\/activate\/register\/company$/);
  await expect(page.getByRole("heading", { level: 1 })).toBeFocused();
  await ready(page, testInfo);

  // Back and Forward: the browser's history, pages fetched again (the server's draft is the truth).
  await page.goBack();
  await expect(page).toHaveURL(/\/activate\/register(#code)?$/);
  await expect(page.getByLabel("Username")).toHaveValue(username);
  await page.goForward();
  await expect(page).toHaveURL(/\/activate\/register\/company$/);
  await expect(page.getByText("Step 2 of 4")).toBeVisible();
  await ready(page, testInfo);

  await finishRegister(page, testInfo, "Production");
  await expect(page.getByRole("heading", { level: 1, name: "Activation complete" })).toBeVisible();
  await expectAccessible(page, testInfo, "completion page after a page change");
  // Back to a step of a finished activation: the server sends the buyer to the completion page again.
  await page.goBack();
  await expect(page).toHaveURL(/\/activate\/register\/done$/);

  expect(await stillFirstLoad(page), "the window of the first load").toBe(true);
  expect(documents, "no document was loaded after /activate").toEqual([]);
});

test("the language switch changes the page in place", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "page changes in the browser need JavaScript");
  await subscribeViaDev(page, testInfo, randomAccount());
  const documents = await watchDocuments(page);
  await page.getByRole("button", { name: /中文/ }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await expect(page).toHaveURL(/\/activate$/);
  await ready(page, testInfo);
  await page.getByRole("button", { name: /English/ }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  expect(await stillFirstLoad(page)).toBe(true);
  expect(documents).toEqual([]);
});

test("activate → log in → billing center → workspace start page → log out: one document", async ({
  page,
  request,
}, testInfo) => {
  test.skip(!jsEnabled(testInfo), "page changes in the browser need JavaScript");
  const who = await completeStep1(page, request, testInfo);
  const documents = await watchDocuments(page);
  await finishRegister(page, testInfo, "Production");
  await page.getByRole("button", { name: "Confirm" }).click();
  await expect(page).toHaveURL(/\/login\?next=\/workspaces\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Log in" })).toBeFocused();
  await ready(page, testInfo);
  await page.getByLabel("Username").fill(who.username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  // The new workspace's start page; its island (Copy) is live after the change.
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await expect(page.getByRole("heading", { level: 1, name: "Production" })).toBeFocused();
  await expect(page.getByLabel("Install command")).toHaveValue(/token=tkn_/);
  await ready(page, testInfo);
  await expect(page.getByRole("button", { name: "Copy" })).toBeVisible();
  await page.getByRole("link", { name: "Your workspaces" }).click();
  await expect(page).toHaveURL(/\/workspaces$/);
  await ready(page, testInfo);
  await page.getByRole("link", { name: "Billing center" }).click();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Billing center" })).toBeFocused();
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/billing after a page change");
  await page.getByTestId("billing-row").getByRole("link", { name: "Production" }).click();
  await expect(page).toHaveURL(/\/workspaces\/\d+$/);
  await ready(page, testInfo);
  await page.goBack();
  await expect(page).toHaveURL(/\/billing$/);
  await expect(page.getByRole("heading", { level: 1, name: "Billing center" })).toBeVisible();
  expect(await stillFirstLoad(page)).toBe(true);
  await ready(page, testInfo);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(documents, "no document was loaded after the first").toEqual([]);
  // Logged out for the server too: the billing center asks to log in again.
  await page.goto("/billing");
  await expect(page).toHaveURL(/\/login/);
});

test("fields are checked in the browser by the server's rules when the buyer leaves them, before anything is sent", async ({
  page,
}, testInfo) => {
  test.skip(!jsEnabled(testInfo), "checking in the browser needs JavaScript");
  await startRegister(page, testInfo);
  const posts = watchSends(page);

  const username = page.getByLabel("Username");
  // Typing is not interrupted; leaving the field checks it.
  await username.fill("9ab");
  await expect(page.locator("#username-error")).toHaveCount(0);
  await page.getByLabel("Email").focus();
  await expect(page.locator("#username-error")).toHaveText("Error: Username must start with a letter (a to z)");
  await expect(username).toHaveAttribute("aria-invalid", "true");
  // From then on every keystroke is checked.
  await username.fill("ab");
  await expect(page.locator("#username-error")).toHaveText("Error: Username must be 3 characters or more");
  await username.fill("abc");
  await expect(page.locator("#username-error")).toHaveCount(0);
  await expect(username).not.toHaveAttribute("aria-invalid", "true");

  const email = page.getByLabel("Email");
  await email.fill("not-an-address");
  await page.getByLabel("Phone (optional)").focus();
  await expect(page.locator("#email-error")).toHaveText(
    "Error: Enter an email address in the correct format, like name@example.com",
  );
  // A new password's length, by the same rule (its strength stays the server's).
  await page.getByLabel("Password", { exact: true }).fill("too short");
  await page.getByLabel("Confirm password").focus();
  await expect(page.locator("#password-error")).toHaveText("Error: Password must be 15 characters or more");
  // An optional phone left empty is fine; a malformed one is not.
  await page.getByLabel("Phone (optional)").fill("12");
  await username.focus();
  await expect(page.locator("#phone-error")).toBeVisible();
  expect(posts, "nothing was sent to the server").toEqual([]);
});

test("Continue sends nothing while the browser finds a problem; what only the server knows comes back in place", async ({
  page,
  request,
}, testInfo) => {
  test.skip(!jsEnabled(testInfo), "checking in the browser needs JavaScript");
  await startRegister(page, testInfo);
  const documents = await watchDocuments(page);
  const sent = watchSends(page);
  const continueButton = page.getByRole("button", { name: "Continue", exact: true });
  const summary = page.getByRole("alert");

  // Nothing answered: every field's problem, in the order of the fields, in the server's words.
  await continueButton.click();
  await expect(summary).toBeFocused();
  await expect(summary.getByRole("heading", { name: "There is a problem" })).toBeVisible();
  await expect(summary.getByRole("listitem")).toHaveText([
    "Select where your workspace will be",
    "Enter a username",
    "Enter a password",
    "Enter an email address",
    "Enter the verification code. Select Send code to get one by email",
  ]);
  await expect(page).toHaveTitle(/^Error: Basic information/);
  await expect(page.locator("#site-error")).toHaveText("Error: Select where your workspace will be");
  await expect(page.getByLabel("Verification code")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("button", { name: "Continue", exact: true })).not.toHaveAttribute("aria-busy", "true");
  await expectAccessible(page, testInfo, "step 1 with the browser's errors");

  // Put right, a field's error goes; a confirmation that differs and a code of the wrong shape are caught.
  await page.getByLabel("International Region 1 (Oregon)").check();
  const username = unique("buyer");
  const email = `${username}@example.com`;
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password").fill(`${PASSWORD}!`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Verification code").fill("12345");
  await continueButton.click();
  await expect(summary.getByRole("listitem")).toHaveText([
    "The passwords do not match",
    "The verification code must be 6 digits",
  ]);
  await expect(page.locator("#site-error")).toHaveCount(0);
  await expect(page.locator("#confirm_password-error")).toHaveText("Error: The passwords do not match");
  expect(sent, "nothing was sent while the browser found problems").toEqual([]);

  // Send code checks the address only, and is sent.
  await page.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByRole("status")).toContainText(`We sent a 6-digit code to ${email}`);
  expect(sent).toHaveLength(1);
  const code = await latestCode(request, email);
  const wrong = code === "000000" ? "111111" : "000000";

  // A wrong code only the server can know: its answer comes back in place, without a new document.
  await fillPasswords(page);
  await page.getByLabel("Verification code").fill(wrong);
  await continueButton.click();
  await expect(page.locator("#code-error")).toContainText("The verification code is not correct");
  await expect(summary).toBeFocused();
  expect(sent).toHaveLength(2);
  await ready(page, testInfo);

  // Pressed twice, Continue is sent once.
  await fillPasswords(page);
  await page.getByLabel("Verification code").fill(code);
  await continueButton.evaluate((button: HTMLButtonElement) => {
    button.click();
    button.click();
  });
  await expect(page).toHaveURL(/\/activate\/register\/company$/);
  expect(sent).toHaveLength(3);
  expect(documents, "no document was loaded").toEqual([]);
});

test("Enter in the email field sends the code rather than submitting the step", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "without JavaScript Enter submits the form's first button, Continue");
  await startRegister(page, testInfo);
  const sent = watchSends(page);
  const email = `${unique("enter")}@example.com`;
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Email").press("Enter");
  await expect(page.getByRole("status")).toContainText(`We sent a 6-digit code to ${email}`);
  await expect(page.getByRole("alert")).toHaveCount(0);
  expect(sent).toEqual(["/api/register_basic"]);
});
