import { expect, test, type Browser, type TestInfo } from "@playwright/test";
import { ready, subscribeViaDev } from "./helpers";

// Visual regression: every gallery entry and the wizard's first pages, in English and Chinese, at desktop and
// phone widths, compared with the committed baselines (tests/visual.spec.ts-snapshots/). After an intended
// change: `make baselines` (it rewrites them; review the PNGs in the diff before committing).

const ENTRIES = [
  "text-field", "text-field-filled", "text-field-error", "text-field-long", "text-field-chinese", "password-field",
  "code-field", "code-field-error", "send-code", "language-field", "language-field-error", "terms-field",
  "terms-field-error", "branch-choice", "step-indicator", "error-summary", "bind-dialog", "state-tags",
];
const SIZES = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "375", width: 375, height: 812 },
];
const LANGUAGES = [
  { code: "en", locale: "en-US", register: "No billing account", next: "Continue" },
  { code: "zh", locale: "zh-CN", register: "没有费用中心账号", next: "继续" },
];
// Screenshots match within a small tolerance (anti-aliasing), not pixel for pixel.
const SAME = { maxDiffPixelRatio: 0.01, animations: "disabled" as const, caret: "hide" as const };

async function open(browser: Browser, testInfo: TestInfo, size: (typeof SIZES)[number], locale: string) {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: { width: size.width, height: size.height },
    locale,
  });
  return { context, page: await context.newPage() };
}

test.describe("visual regression", () => {
  // One set of baselines: the pages are the same markup with or without JavaScript.
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, "baselines are taken with JavaScript");

  for (const size of SIZES) {
    for (const language of LANGUAGES) {
      test(`gallery, ${language.code}, ${size.name}`, async ({ browser }, testInfo) => {
        const { context, page } = await open(browser, testInfo, size, language.locale);
        await page.goto("/gallery");
        await ready(page, testInfo);
        for (const id of ENTRIES) {
          await expect(page.locator(`section#${id}`), id).toHaveScreenshot(`gallery-${id}-${language.code}-${size.name}.png`, SAME);
        }
        await context.close();
      });

      test(`wizard, ${language.code}, ${size.name}`, async ({ browser }, testInfo) => {
        const { context, page } = await open(browser, testInfo, size, language.locale);
        // A fixed account: the pages show it.
        await subscribeViaDev(page, testInfo, "111122223333");
        await expect(page).toHaveScreenshot(`activate-${language.code}-${size.name}.png`, { ...SAME, fullPage: true });
        await page.getByLabel(language.register).check();
        await page.getByRole("button", { name: language.next, exact: true }).click();
        await expect(page).toHaveURL(/\/activate\/register$/);
        await ready(page, testInfo);
        await expect(page).toHaveScreenshot(`step1-${language.code}-${size.name}.png`, { ...SAME, fullPage: true });
        await page.getByRole("button", { name: language.next, exact: true }).click();
        await expect(page.locator(".error-summary")).toBeVisible();
        await ready(page, testInfo);
        await expect(page).toHaveScreenshot(`step1-errors-${language.code}-${size.name}.png`, { ...SAME, fullPage: true });
        await context.close();
      });
    }
  }
});
