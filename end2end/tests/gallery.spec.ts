import { expect, test } from "@playwright/test";
import { expectAccessible, ready } from "./helpers";

// /gallery (dev mode): every component state under a stable anchor, accessible in both languages.

// One anchor per component of the design system (each has more states under further anchors).
const COMPONENTS = [
  "page-layout", "text-field", "text-field-error", "text-field-optional", "text-field-disabled", "text-field-long",
  "text-field-chinese", "password-field", "password-field-error", "code-field", "send-code", "send-code-waiting",
  "select", "select-error", "select-disabled", "checkbox", "language-field", "terms-field", "branch-choice", "button",
  "button-disabled", "button-busy", "button-long", "notice", "notice-warning", "notice-success", "summary-list",
  "site-selector", "workspace-rows", "step-indicator", "error-summary", "bind-dialog", "state-tags",
  "completion-panel", "billing-table", "install-box", "session-ended",
];

test("the gallery shows every component state under its anchor, with its props, in English and Chinese", async ({ page }, testInfo) => {
  await page.goto("/gallery");
  await expect(page.getByRole("heading", { level: 1, name: "Component gallery" })).toBeVisible();
  for (const id of COMPONENTS) {
    const entry = page.locator(`section#${id}`);
    await expect(entry, id).toHaveCount(1);
    await expect(entry.locator(".gallery-props"), id).not.toBeEmpty();
  }
  // The gallery renders the pages' own components: the same markup as the wizard's fields.
  await expect(page.locator("#text-field-error .form-group-error .error-message")).toContainText("2 characters or more");
  await expect(page.locator("#code-field input[autocomplete=one-time-code]")).toHaveCount(1);
  // Every entry of the page has its props; the index links to an entry.
  for (const id of await page.locator("section.gallery-entry").evaluateAll((s) => s.map((e) => e.id))) {
    await expect(page.locator(`section#${id} .gallery-props`), id).not.toBeEmpty();
  }
  for (const href of await page.locator(".gallery-index a").evaluateAll((a) => a.map((e) => e.getAttribute("href")))) {
    await expect(page.locator(`section${href}`), `${href} in the index`).toHaveCount(1);
  }
  await ready(page, testInfo);
  await expectAccessible(page, testInfo, "/gallery");

  await page.getByRole("banner").getByRole("button", { name: "Language – 中文" }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "zh");
  await expect(page.locator("#code-field label")).toHaveText("验证码");
  // Every sample reads in Chinese, in the pages' own words: labels, hints, options, errors, banners, states.
  await expect(page.locator("#text-field label")).toHaveText("用户名");
  await expect(page.locator("#text-field .hint")).not.toContainText(/[a-z]{4}/);
  await expect(page.locator("#select-chosen select option").nth(1)).not.toContainText(/people/);
  await expect(page.locator("#text-field-error .error-message")).toContainText("公司名称");
  await expect(page.locator("#notice-warning .gallery-sample")).not.toContainText("payment");
  await expect(page.locator("#billing-table .gallery-sample")).not.toContainText(/Active|Locked/);
  await expect(page.locator("#completion-panel .gallery-sample h2")).toHaveText("激活完成");
  await expect(page.locator("#session-ended .gallery-sample h2")).not.toContainText(/[a-z]{4}/);
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
  const dialog = page.getByRole("dialog", { name: "Bind workspace “Production”?" });
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

test("every interactive component in the gallery is reached with Tab and works from the keyboard", async ({ page }, testInfo) => {
  await page.goto("/gallery");
  await ready(page, testInfo);
  // Everything a pointer could use in the samples (a radio group is one Tab stop: arrows move within it).
  const targets: { key: string; what: string }[] = await page.evaluate(() => {
    const all = [...document.querySelectorAll<HTMLElement>(".gallery-sample :is(a[href], button, input, select, textarea)")];
    return all
      .filter((el) => !(el as HTMLButtonElement).disabled && el.checkVisibility() && el.tabIndex >= 0)
      .map((el, i) => {
        const radio = el instanceof HTMLInputElement && el.type === "radio";
        const key = radio ? `radio:${el.name}` : `k${i}`;
        el.dataset.k = key;
        return { key, what: `${el.tagName.toLowerCase()}#${el.id || el.textContent?.trim()}` };
      });
  });
  expect(targets.length).toBeGreaterThan(30);
  const reached = new Set<string>();
  for (let i = 0; i < 400; i += 1) {
    await page.keyboard.press("Tab");
    const key = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.k ?? null);
    if (key) reached.add(key);
  }
  const missed = targets.filter((t) => !reached.has(t.key)).map((t) => t.what);
  expect(missed, "not reachable with Tab").toEqual([]);

  // Operable: a text field takes typing, a checkbox Space, a radio group the arrows, a select the arrows.
  await page.locator("#g-username").focus();
  await page.keyboard.type("alice");
  await expect(page.locator("#g-username")).toHaveValue("alice");
  await page.locator("#g-box").focus();
  await page.keyboard.press("Space");
  await expect(page.locator("#g-box")).toBeChecked();
  await page.locator("#branch-register").focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.locator("#branch-link")).toBeChecked();
  await expect(page.locator("#branch-link")).toBeFocused();
  await page.locator("#g-industry").focus();
  await page.keyboard.press("ArrowDown");
  await expect(page.locator("#g-industry")).not.toHaveValue("");
  await expect(page.locator("#g-select-disabled")).toBeDisabled();
  await expect(page.locator("#g-account")).toBeDisabled();
  await expect(page.locator("#button-disabled button").first()).toBeDisabled();
  if (!testInfo.project.use.javaScriptEnabled) return;

  // Show / Hide turns the password readable and back, and says which it will do.
  const password = page.locator("#g-password");
  await password.fill("correct horse");
  const toggle = page.locator("#password-field").getByRole("button", { name: "Show password" });
  await toggle.focus();
  await page.keyboard.press("Enter");
  await expect(password).toHaveAttribute("type", "text");
  await expect(page.locator("#password-field").getByRole("button", { name: "Hide password" })).toBeFocused();
  await page.keyboard.press("Space");
  await expect(password).toHaveAttribute("type", "password");
  // A busy-on-press button turns busy at the first press and stays so.
  const activate = page.locator("#button-press").getByRole("button", { name: "Activate" });
  await activate.focus();
  await page.keyboard.press("Enter");
  await expect(activate).toHaveAttribute("aria-busy", "true");
  await expect(activate).toHaveAccessibleName("Activate – please wait");
  // Send code is not pressable while it counts down.
  await expect(page.locator("#send-code-waiting button")).toHaveAttribute("aria-disabled", "true");
  await expect(page.locator("#send-code-waiting .send-code-wait")).toContainText(/\d/);
});
