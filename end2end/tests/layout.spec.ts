import { expect, test, type Browser, type TestInfo } from "@playwright/test";
import { PASSWORD, ready, startRegister } from "./helpers";

// Issue 19's visual defects, measured in the browser: what a screenshot shows, asserted as geometry so that it
// holds on every page that uses the component (the gallery renders the pages' own components).

async function gallery(browser: Browser, testInfo: TestInfo, width: number, locale: string) {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
    viewport: { width, height: 900 },
    locale,
  });
  const page = await context.newPage();
  await page.goto("/gallery");
  await ready(page, testInfo);
  return { context, page };
}

for (const width of [1280, 375]) {
  test(`at ${width} px AWS account numbers are never broken and status tags are tinted labels`, async ({ browser }, testInfo) => {
    for (const locale of ["en-US", "zh-CN"]) {
      const { context, page } = await gallery(browser, testInfo, width, locale);
      const numbers = page.locator(".aws-account");
      expect(await numbers.count()).toBeGreaterThan(2);
      // Each one shown (a closed dialog's is not) is on one line.
      const shown = (await numbers.evaluateAll((all) => all.map((n) => n.getClientRects().length))).filter((n) => n > 0);
      expect(shown.length).toBeGreaterThan(2);
      for (const lines of shown) {
        expect(lines, `${locale}: an account number on one line`).toBe(1);
      }
      const tags = await page.locator(".tag").evaluateAll((all) =>
        all.map((t) => {
          const style = getComputedStyle(t);
          return { border: style.borderTopStyle, background: style.backgroundColor, lines: t.getClientRects().length };
        }),
      );
      expect(tags.length).toBeGreaterThan(8);
      for (const tag of tags) {
        expect(tag.border, "no border: nothing like a button").toBe("none");
        expect(tag.background, "a tint").not.toBe("rgba(0, 0, 0, 0)");
        expect(tag.lines).toBe(1);
      }
      await context.close();
    }
  });
}

test("at 1280 px the billing table stays in the content column and its Chinese cells keep their words", async ({ browser }, testInfo) => {
  for (const locale of ["en-US", "zh-CN"]) {
    const { context, page } = await gallery(browser, testInfo, 1280, locale);
    const table = page.locator("#billing-table table");
    await expect(table).toBeVisible();
    const fit = await table.evaluate((t) => {
      const main = document.getElementById("main")!;
      const style = getComputedStyle(main);
      const right = main.getBoundingClientRect().right - parseFloat(style.paddingRight);
      // The product's own words (site, settlement, date, state); a workspace's name is the buyer's and may wrap.
      const cells = [...t.querySelectorAll("tbody td")].filter((c) => !c.querySelector("form"));
      const lines = cells.map((c) => {
        // Lines of text: the tops of the text's own boxes (not of the elements around it), a line-height apart.
        const tops: number[] = [];
        const walker = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (!node.textContent?.trim()) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          for (const r of range.getClientRects()) if (r.width > 0) tops.push(r.top);
        }
        const distinct = tops.sort((a, b) => a - b).filter((t, i, all) => i === 0 || t - all[i - 1] > 10);
        return { text: c.textContent ?? "", lines: distinct.length };
      });
      return { tableRight: t.getBoundingClientRect().right, right, lines };
    });
    expect(fit.tableRight, `${locale}: inside the column`).toBeLessThanOrEqual(fit.right + 1);
    for (const cell of fit.lines) {
      expect(cell.lines, `${locale}: “${cell.text}” on ${cell.lines} lines`).toBeLessThanOrEqual(2);
      // Chinese never one character per line.
      if (locale === "zh-CN") expect(cell.lines, `“${cell.text}”`).toBeLessThanOrEqual(Math.max(1, Math.ceil(cell.text.trim().length / 3)));
    }
    await context.close();
  }
});

test("at 375 px the header takes one row and a summary list lines up, in both languages", async ({ browser }, testInfo) => {
  for (const locale of ["en-US", "zh-CN"]) {
    const { context, page } = await gallery(browser, testInfo, 375, locale);
    const banner = page.getByRole("banner");
    const boxes = await Promise.all(
      [banner.locator(".brand"), banner.locator(".brand-sub"), banner.getByRole("button")].map((l) => l.boundingBox()),
    );
    const tops = boxes.map((b) => b!.y);
    const bottoms = boxes.map((b) => b!.y + b!.height);
    expect(Math.max(...tops), `${locale}: one row`).toBeLessThan(Math.min(...bottoms));
    // Summary rows: the label above, the value and Change below it, each starting at the same edge.
    const rows = await page.locator("#summary-list .summary-row").evaluateAll((all) =>
      all.map((row) => {
        const [dt, dd, action] = [row.querySelector("dt")!, row.querySelector("dd")!, row.querySelector(".summary-action")!];
        const [l, v, a, r] = [dt, dd, action, row].map((e) => e.getBoundingClientRect());
        return { labelLeft: l.left, valueLeft: v.left, valueTop: v.top, labelBottom: l.bottom, actionRight: a.right, rowRight: r.right };
      }),
    );
    expect(rows.length).toBe(3);
    for (const row of rows) {
      expect(Math.abs(row.labelLeft - row.valueLeft)).toBeLessThan(1);
      expect(row.valueTop).toBeGreaterThanOrEqual(row.labelBottom - 1);
      expect(Math.abs(row.actionRight - row.rowRight)).toBeLessThan(1);
    }
    await context.close();
  }
});

test("a button under a field is followed by the same space as between fields", async ({ page }, testInfo) => {
  await startRegister(page, testInfo);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  const gaps = await page.evaluate(() => {
    const bottom = (e: Element | null) => e!.getBoundingClientRect().bottom;
    const top = (e: Element | null) => e!.getBoundingClientRect().top;
    const groups = document.querySelectorAll("#page-form .form-group");
    const betweenFields = top(groups[1]) - bottom(groups[0]);
    const password = document.querySelector("#password")!.closest(".password-field");
    const afterPassword = top(password!.nextElementSibling) - bottom(password);
    return { betweenFields, afterPassword };
  });
  expect(gaps.afterPassword).toBeGreaterThanOrEqual(gaps.betweenFields - 1);
});
