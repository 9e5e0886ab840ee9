import { expect, test, type Browser, type Page, type TestInfo } from "@playwright/test";
import { expectAccessible, latestCode, PASSWORD, ready, subscribeViaDev } from "./helpers";

// Visual regression: every gallery entry and every page of the wizard (both branches), in English and Chinese,
// at desktop and phone widths, compared with the committed baselines (tests/visual.spec.ts-snapshots/). After
// an intended change: `make baselines` (it rewrites them; review the PNGs in the diff before committing).
//
// The wizard's pages show what the buyer typed (usernames, emails, AWS account ids), so each test uses fixed
// ones of its own: that relies on the fresh database every `make e2e` / `make baselines` run starts with.

const SIZES = [
  { name: "desktop", width: 1280, height: 900 },
  { name: "375", width: 375, height: 812 },
];
const LANGUAGES = [
  { code: "en", locale: "en-US" },
  { code: "zh", locale: "zh-CN" },
];
// Screenshots match within a small tolerance (anti-aliasing), not pixel for pixel. The Send-code countdown
// ticks, so its seconds are hidden while a screenshot is taken.
const SAME = {
  maxDiffPixelRatio: 0.01,
  animations: "disabled" as const,
  caret: "hide" as const,
  style: ".send-code-wait { visibility: hidden; }",
};

async function open(browser: Browser, testInfo: TestInfo, size: (typeof SIZES)[number], locale: string) {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    viewport: { width: size.width, height: size.height },
    locale,
  });
  return { context, page: await context.newPage() };
}

/** A whole-page screenshot once the page is live; at desktop width also an axe scan (every wizard page, both
 * languages). */
async function shot(page: Page, testInfo: TestInfo, name: string) {
  await ready(page, testInfo);
  await expect(page).toHaveScreenshot(`${name}.png`, { ...SAME, fullPage: true });
  if ((page.viewportSize()?.width ?? 0) > 480) await expectAccessible(page, testInfo, name);
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
        const entries = await page.locator("section.gallery-entry").evaluateAll((sections) => sections.map((s) => s.id));
        expect(entries.length).toBeGreaterThan(30);
        for (const id of entries) {
          await expect(page.locator(`section#${id}`), id).toHaveScreenshot(`gallery-${id}-${language.code}-${size.name}.png`, SAME);
        }
        await context.close();
      });

      test(`every wizard page, ${language.code}, ${size.name}`, async ({ browser, request }, testInfo) => {
        test.setTimeout(120_000);
        const { context, page } = await open(browser, testInfo, size, language.locale);
        const tag = `${language.code}-${size.name}`;
        const n = SIZES.indexOf(size) * 2 + LANGUAGES.indexOf(language);
        const username = `visual${language.code}${size.name}`;
        const email = `${username}@example.com`;

        // Register branch: /activate, steps 1 to 4, done.
        await subscribeViaDev(page, testInfo, `11112222330${n}`);
        await shot(page, testInfo, `activate-${tag}`);
        await page.locator("#branch-register").check();
        await page.locator("main form button.button").click();
        await expect(page).toHaveURL(/\/activate\/register$/);
        await shot(page, testInfo, `step1-${tag}`);
        await page.locator("button.button[value=continue]").click();
        await expect(page.locator(".error-summary")).toBeVisible();
        await shot(page, testInfo, `step1-errors-${tag}`);
        await page.locator("#site-us1").check();
        await page.locator("#username").fill(username);
        await page.locator("#email").fill(email);
        await page.locator("button[value=send_code]").click();
        await expect(page.locator(".notice[role=status]")).toContainText(email);
        await shot(page, testInfo, `step1-code-sent-${tag}`);
        await page.locator("#code").fill(await latestCode(request, email));
        await page.locator("#password").fill(PASSWORD);
        await page.locator("#confirm_password").fill(PASSWORD);
        await page.locator("button.button[value=continue]").click();
        await expect(page).toHaveURL(/\/activate\/register\/company$/);
        await shot(page, testInfo, `step2-${tag}`);
        await page.locator("#company_name").fill("Acme Observability Ltd");
        await page.locator("main form button.button").click();
        await expect(page).toHaveURL(/\/activate\/register\/workspace$/);
        await shot(page, testInfo, `step3-${tag}`);
        await page.locator("#workspace_name").fill("Production");
        await page.locator("#language-en").check();
        await page.locator("#terms").check();
        await page.locator("main form button.button").click();
        await expect(page).toHaveURL(/\/activate\/register\/check$/);
        await shot(page, testInfo, `step4-check-${tag}`);
        await page.locator("main form button.button").click();
        await expect(page).toHaveURL(/\/activate\/register\/done$/);
        await shot(page, testInfo, `done-${tag}`);

        // Link branch, from another AWS account: link the billing account, the workspace list, create.
        await subscribeViaDev(page, testInfo, `11112222331${n}`);
        await page.locator("#branch-link").check();
        await page.locator("main form button.button").click();
        await expect(page).toHaveURL(/\/activate\/link$/);
        await shot(page, testInfo, `link-${tag}`);
        await page.locator("#username").fill(username);
        await page.locator("button[value=send_code]").click();
        await expect(page.locator(".notice[role=status]")).toBeVisible();
        await page.locator("#code").fill(await latestCode(request, email));
        await page.locator("button.button[value=link]").click();
        await expect(page.locator("button.button[value=confirm]")).toBeVisible();
        await shot(page, testInfo, `link-confirm-${tag}`);
        await page.locator("button.button[value=confirm]").click();
        await expect(page).toHaveURL(/\/activate\/link\/workspaces$/);
        await shot(page, testInfo, `link-workspaces-${tag}`);
        await page.locator("a.button[href$='/activate/link/create']").click();
        await expect(page).toHaveURL(/\/activate\/link\/create/);
        await shot(page, testInfo, `link-create-${tag}`);
        await page.locator("#account-existing").check();
        await page.locator("main form[method=get] button.button").click();
        await expect(page.locator("#workspace_name")).toBeVisible();
        await shot(page, testInfo, `link-create-form-${tag}`);
        await context.close();
      });
    }
  }
});
