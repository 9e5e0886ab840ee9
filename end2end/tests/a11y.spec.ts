import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { randomAccount, ready, subscribeViaDev } from "./helpers";

// axe cannot run where JavaScript is disabled: scan in the "js" project only.
test.skip(({ javaScriptEnabled }) => javaScriptEnabled === false, "axe needs JavaScript");

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

async function expectNoViolations(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(summary, `axe violations on ${what}`).toEqual([]);
}

test("every page of the slice has no WCAG 2.2 A/AA violations", async ({ page }, testInfo) => {
  await page.goto("/activate");
  await expectNoViolations(page, "/activate without a session");

  await page.goto("/dev");
  await ready(page, testInfo);
  await expectNoViolations(page, "/dev");

  await subscribeViaDev(page, testInfo, randomAccount());
  await expectNoViolations(page, "/activate");

  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await expectNoViolations(page, "/activate in its error state");

  await page.getByLabel("No billing account").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/activate\/register$/);
  await ready(page, testInfo);
  await expectNoViolations(page, "/activate/register (step 1)");

  await page.getByRole("button", { name: "Continue", exact: true }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await ready(page, testInfo);
  await expectNoViolations(page, "/activate/register (step 1) in its error state");

  await page.goto("/no-such-page");
  await expectNoViolations(page, "the 404 page");
});

test("the fulfillment error page has no WCAG 2.2 A/AA violations", async ({ page }) => {
  const action = new URL("/marketplace/aws", test.info().project.use.baseURL).href;
  await page.setContent(
    `<form method="post" action="${action}"><input type="hidden" name="x-amzn-marketplace-token" value="x">` +
      `<button>Set Up Your Account</button></form>`,
  );
  await page.getByRole("button", { name: "Set Up Your Account" }).click();
  await expect(page.getByRole("heading", { name: "We could not start your activation" })).toBeVisible();
  await expectNoViolations(page, "the fulfillment error page");
});
