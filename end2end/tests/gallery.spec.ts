import { expect, test } from "@playwright/test";
import { expectAccessible, ready } from "./helpers";

// /gallery (dev mode): every component state under a stable anchor, accessible in both languages.

const ENTRIES = [
  "text-field", "text-field-filled", "text-field-error", "text-field-long", "text-field-chinese", "password-field",
  "code-field", "code-field-error", "send-code", "language-field", "language-field-error", "terms-field",
  "terms-field-error", "branch-choice", "step-indicator", "error-summary", "bind-dialog", "state-tags",
];

test("the gallery shows every component state under its anchor, with its props, in English and Chinese", async ({ page }, testInfo) => {
  await page.goto("/gallery");
  await expect(page.getByRole("heading", { level: 1, name: "Component gallery" })).toBeVisible();
  for (const id of ENTRIES) {
    const entry = page.locator(`section#${id}`);
    await expect(entry, id).toHaveCount(1);
    await expect(entry.locator(".gallery-props"), id).not.toBeEmpty();
  }
  // The gallery renders the pages' own components: the same markup as the wizard's fields.
  await expect(page.locator("#text-field-error .form-group-error .error-message")).toContainText("2 characters or more");
  await expect(page.locator("#code-field input[autocomplete=one-time-code]")).toHaveCount(1);
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/gallery");

  await page.getByRole("button", { name: "Language – 中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await expect(page.locator("#code-field label")).toHaveText("验证码");
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/gallery in Chinese");
});

test("the confirmation dialog takes focus, keeps it inside, closes on Esc and gives focus back", async ({ page }, testInfo) => {
  test.skip(!testInfo.project.use.javaScriptEnabled, "without JavaScript Bind asks the page for its confirmation panel");
  await page.goto("/gallery#bind-dialog");
  await ready(page, testInfo);
  const bind = page.locator("#bind-dialog").getByRole("button", { name: "Bind Production" });
  await bind.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Bind “Production” to AWS account 1111-2222-3333?" });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Confirm" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  // The page behind is inert: Tab never leaves the dialog.
  for (let i = 0; i < 4; i += 1) {
    await page.keyboard.press("Tab");
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await expectAccessible(page, testInfo, "the open confirmation dialog");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(bind).toBeFocused();
});
