/**
 * Browser test of the large scatter: the paper's path-star graph G(5000, 5) (20,001 nodes), streamed by a real
 * daemon (a synthetic experiment whose embedding moves every step, scripts/bench-scatter.ts) to the BUILT dashboard
 * in Chromium. Not timed (`npm run bench -- scatter` measures the frame rate): it checks that the points are drawn
 * on a canvas, redrawn when a new snapshot arrives and only then, scrubbed to a stored one, and named on hover.
 * Build first: `npm run build -w @orrery/dashboard` (`npm test` does).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { openScatterLab, startScatterRun, until, type ScatterLab } from "../../scripts/bench-scatter.ts";

let lab: ScatterLab | undefined;

before(async () => {
  lab = await openScatterLab();
});

after(async () => {
  await lab?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CanvasSummary {
  width: number;
  dpr: number;
  draws: number;
  /** Pixels drawn (not transparent) and how many distinct colours among them. */
  painted: number;
  colours: number;
  hash: number;
  /** A pixel of some dot's fill (not its outline), in canvas pixels. */
  fill: { x: number; y: number } | null;
}

// In-page code as text (tsx's transform would wrap named functions in a helper the page does not have).
const SUMMARY = `(() => {
  const c = document.querySelector('[data-testid="scatter-canvas"]');
  if (!c || !c.width) return null;
  const px = new Uint32Array(c.getContext("2d").getImageData(0, 0, c.width, c.height).data.buffer);
  const outline = new Uint32Array(Uint8ClampedArray.of(2, 6, 23, 255).buffer)[0];
  let painted = 0, hash = 0, fill = null, best = Infinity;
  const colours = new Set();
  for (let i = 0; i < px.length; i++) {
    const v = px[i];
    if (!v) continue;
    painted++;
    hash = (Math.imul(hash, 31) + v + i) | 0;
    if (colours.size < 5000) colours.add(v);
    const x = i % c.width, y = Math.floor(i / c.width);
    // The fill pixel nearest the top-left quarter's centre: away from the crowded middle.
    const d = Math.hypot(x - c.width * 0.3, y - c.height * 0.3);
    if (v !== outline && d < best) { best = d; fill = { x, y }; }
  }
  return { width: c.width, dpr: window.devicePixelRatio || 1, draws: Number(c.dataset.draws || 0), painted, colours: colours.size, hash, fill };
})()`;

const summary = (page: Page) => page.evaluate(SUMMARY) as Promise<CanvasSummary | null>;
const text = async (page: Page, testId: string) => ((await page.getByTestId(testId).textContent()) ?? "").trim();

test(
  "the 20,001-node path-star scatter is drawn on a canvas, redrawn for each new snapshot, scrubbed, and named on hover",
  { timeout: 180_000 },
  async () => {
    const { page, context, pageErrors, n } = await startScatterRun(lab!, { hz: 20 });
    try {
      assert.equal(n, 20_001);
      const scatter = page.getByTestId("scatter");
      assert.equal(await scatter.getAttribute("data-renderer"), "canvas");
      assert.equal(await scatter.getAttribute("aria-label"), "embedding scatter of 20001 points");
      assert.equal(await page.locator('[data-testid="scatter"] circle').count(), 0, "no SVG element per point");
      assert.match((await scatter.textContent()) ?? "", /PC1 \(\d+%\)/, "the axes stay, named by the projection");

      // Painted: thousands of pixels, in the index rainbow (each arm its own hue).
      const first = await until("the canvas painted", async () => {
        const s = await summary(page);
        return s && s.painted > 5000 ? s : null;
      });
      assert.ok(first.colours > 200, `expected the index rainbow, got ${first.colours} colours`);

      // Live: the points move as snapshots stream in.
      await until("a redraw with moved points", async () => {
        const s = await summary(page);
        return s && s.draws > first.draws && s.hash !== first.hash;
      });

      // Paused, nothing new arrives and nothing is redrawn; a step brings one new snapshot, drawn at once.
      await page.getByTestId("btn-pause").click();
      await until("run-state paused", async () => (await text(page, "run-state")) === "paused");
      await sleep(1000); // the snapshot taken as the run paused
      const paused = (await summary(page))!;
      await sleep(1500);
      const still = (await summary(page))!;
      assert.equal(still.draws, paused.draws, "no new snapshot, no redraw");
      assert.equal(still.hash, paused.hash);
      const stepBefore = Number(await text(page, "step-counter"));
      await page.getByTestId("input-step-n").fill("100");
      await page.getByTestId("btn-step").click();
      const stepped = await until("the stepped snapshot drawn", async () => {
        const s = await summary(page);
        return s && s.draws > still.draws && s.hash !== still.hash ? s : null;
      });
      await until(`step counter ${stepBefore + 100}`, async () => Number(await text(page, "step-counter")) === stepBefore + 100);
      await until("the scrubber showing the new step", async () => (await text(page, "scrubber")).includes(`showing step ${stepBefore + 100}`));

      // The scrubber: the first stored snapshot, fetched from the daemon and drawn.
      await page.getByTestId("scrubber-range").fill("0");
      const scrubbed = await until("the first stored snapshot drawn", async () => {
        const s = await summary(page);
        return s && s.hash !== stepped.hash && (await text(page, "scrubber")).match(/showing step (\d+)/)?.[1] !== String(stepBefore + 100) ? s : null;
      });
      assert.ok(scrubbed.painted > 5000);

      // Hover: the point under the pointer is named, as the SVG's per-point title does.
      const box = (await page.getByTestId("scatter-canvas").boundingBox())!;
      const at = scrubbed.fill!;
      await page.mouse.move(box.x + at.x / scrubbed.dpr, box.y + at.y / scrubbed.dpr);
      const tip = await until("a tooltip", async () => ((await page.getByTestId("scatter-tooltip").count()) ? text(page, "scatter-tooltip") : null));
      assert.match(tip, /^token \d+: \(-?\d+\.\d{3}, -?\d+\.\d{3}\)$/);
      await page.mouse.move(box.x - 20, box.y - 20);
      await until("the tooltip gone", async () => (await page.getByTestId("scatter-tooltip").count()) === 0);

      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close().catch(() => {});
    }
  },
);
