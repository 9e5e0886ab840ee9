import { expect, test, type Page } from "@playwright/test";
import { jsEnabled, ready, startRegister } from "./helpers";

// Every page is served with a CSP whose scripts need the request's nonce (issue 14). The hydrated pages must
// work under it: islands live, no violation reported by the browser.

/** Collects CSP violations (the DOM event and Chromium's console report) from the moment the page opens. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Refused to (execute|load|compile|evaluate)/i.test(msg.text())) {
      violations.push(`console: ${msg.text()}`);
    }
  });
  page.on("pageerror", (err) => violations.push(`pageerror: ${err.message}`));
  await page.exposeFunction("__reportCspViolation", (text: string) => violations.push(`event: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation: (t: string) => void }).__reportCspViolation(
        `${e.violatedDirective} ${e.blockedURI}`,
      );
    });
  });
  return violations;
}

test("hydrated pages work under the nonce CSP with no violation", async ({ page }, testInfo) => {
  test.skip(!jsEnabled(testInfo), "scripts only run with JavaScript");
  const violations = await watchViolations(page);
  const res = await page.goto("/login");
  expect(res?.headers()["content-security-policy"]).toContain("'strict-dynamic'");
  await ready(page, testInfo);
  // Show / Hide works: the Enhancements island is live.
  await page.getByRole("button", { name: /Show/ }).first().click();
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("type", "text");

  await startRegister(page, testInfo);
  await page.getByLabel("Email").fill("csp@example.com");
  await page.getByRole("button", { name: "Send code" }).click();
  await ready(page, testInfo);
  // A live field re-checks as the buyer types (an island with props).
  await page.getByLabel("Username").fill("a");
  await page.getByLabel("Username").blur();

  await page.goto("/gallery");
  await ready(page, testInfo);
  await page.goto("/no-such-page");
  expect(violations, violations.join("\n")).toEqual([]);
});
