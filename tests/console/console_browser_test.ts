/**
 * The web console in a real browser: Debian's chromium, headless, driven by playwright-core,
 * against a real bus. The page loads without console errors, its numbers follow events the test
 * posts, the game view shows the posted state and the bus's advice for it, and every view is
 * screenshotted (into docs/images/ with UPDATE_SCREENSHOTS=1, else into a temp dir).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { fixture, type RunningBus, startBus } from "../integration/_bus.ts";
import { analyticsCaughtUp, loadBus, until } from "../deploy/_load.ts";
import { anyMissing, testName } from "../_tools.ts";
import { CHROMIUM, openBrowser } from "../_browser.ts";

const DOCS_IMAGES = new URL("../../docs/images/", import.meta.url).pathname;
const VIEWPORT = { width: 1400, height: 900 };
/** What the test is waiting for now: said on stderr if it is still waiting near its time limit. */
let stage = "start";
const atStage = <T>(name: string, work: Promise<T>): Promise<T> => {
  stage = name;
  return work;
};

Deno.test({
  name: testName(
    "console: loads cleanly, follows posted events, shows the game and its advice (chromium)",
    CHROMIUM,
  ),
  ignore: anyMissing(CHROMIUM),
  // A stalled peer fails the test instead of holding up the suite.
  timeout: 180_000,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const stuck = setTimeout(() => {
      Deno.stderr.writeSync(new TextEncoder().encode(`console test: still at ${stage}\n`));
    }, 170_000);
    Deno.unrefTimer(stuck);
    await using bus = await atStage("startBus", startBus(["--live-advice=true", "--gpu=0:8000"]));
    await using browser = await atStage("openBrowser", openBrowser(VIEWPORT));
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));

    // The one-time login link the bus logs sets the session cookie, then leads to the console.
    const loaded = await atStage("login", page.goto(bus.loginLink));
    assert.equal(new URL(page.url()).pathname, "/");
    assert.equal(loaded?.status(), 200);
    assert.match(loaded!.headers()["content-type"], /text\/html/);
    await waitForText(page, "#live", (t) => t === "live");
    await waitForText(page, "#stat-latency", (t) => t !== "–");
    const headBefore = number(await page.textContent("#stat-head"));

    // The current game: the mod's first state of a run, then the bus's advice for it.
    const posted = await bus.post("/api/v1/events/batch", fixture("game_state_initial.json"));
    assert.equal(posted.status, 200, posted.text);
    await page.click('nav a[data-view="game"]');
    await waitForText(page, "#game-id", (t) => t === "seed 7NQH2KTB");
    const facts = await factsOf(page);
    assert.equal(facts.ante, "2");
    assert.equal(facts.round, "5");
    assert.equal(facts.money, "$9");
    assert.equal(facts.blind, "Big Blind");
    assert.equal(facts["to beat"], "1,200");
    assert.equal(await page.locator("#game-hand .playing-card").count(), 8);
    assert.deepEqual(await page.locator("#game-jokers li").allTextContents(), [
      "Joker",
      "Greedy Joker",
    ]);
    const [best, odds] = await atStage("advice events", adviceEvents(bus));
    await waitForText(page, "#advice-hand-type", (t) => t === best.hand_type);
    assert.equal(
      await page.textContent("#advice-for"),
      `for the state at offset ${posted.json.offsets[0]}`,
    );
    assert.equal(number(await page.textContent("#advice-score")), best.score);
    assert.equal(await page.locator("#advice-cards .playing-card").count(), best.cards.length);
    assert.equal(
      await page.locator("#game-hand .playing-card.chosen").count(),
      best.positions.length,
    );
    assert.equal(
      await page.textContent("#advice-probability"),
      `${(odds.probability * 100).toFixed(1)} %`,
    );
    await screenshot(page, "console-game");

    // Numbers follow a realistic load: whole games, re-sends, a dead letter, a consumer group.
    await using load = await atStage("loadBus", loadBus(bus, 9));
    load.trickle();
    await page.click('nav a[data-view="overview"]');
    const head = (await bus.get("/health")).json.log_head as number;
    await waitForText(page, "#stat-head", (t) => number(t) >= head && number(t) > headBefore);
    await waitForText(page, "#stat-rate", (t) => number(t) > 0);
    await waitForText(page, "#groups tbody", (t) => t.includes("dashboard-test"));
    await waitForText(page, "#resources tbody", (t) => t.includes("training: 1"));
    await waitForText(page, "#stat-protocols", (t) => t.includes("sse 1"));

    // More dead letters than the view shows: it lists the newest 50, newest first.
    const unusable = Array.from({ length: 60 }, (_, i) => ({ payload: { i } }));
    const bad = await bus.post("/api/v1/events/batch", JSON.stringify({ events: unusable }));
    assert.equal(bad.json.dead_lettered.length, 60, bad.text);
    await page.click('nav a[data-view="events"]');
    await waitForText(page, "#deadletters tbody", (t) => t.includes('{"payload":{"i":59}}'));
    const letters = await bus.deadLetters();
    const seqs = await page.locator("#deadletters tbody tr td:first-child").allTextContents();
    assert.deepEqual(seqs.map(Number), letters.map((d) => d.seq).reverse().slice(0, 50));
    await page.fill("#filter-topic", "game.money.*");
    await waitForText(page, "#events tbody", (t) => t.includes("game.money.changed"));
    const topics = await page.locator("#events tbody tr td:nth-child(3)").allTextContents();
    assert.ok(topics.length > 0 && topics.every((t) => t === "game.money.changed"), `${topics}`);
    await page.fill("#filter-topic", "");
    await waitForText(page, "#events tbody", (t) => t.includes("system.heartbeat"));
    await screenshot(page, "console-events");

    await atStage("analyticsCaughtUp", analyticsCaughtUp(bus));
    await page.click('nav a[data-view="analytics"]');
    await waitForText(page, "#synergy", (t) => t.includes("Cavendish"));
    assert.equal(await page.isHidden("#winrate-empty"), true);
    await screenshot(page, "console-analytics");
    // Last, so that the ingest chart has some history.
    await page.click('nav a[data-view="overview"]');
    await screenshot(page, "console-overview");

    assert.deepEqual(problems, []);
    clearTimeout(stuck);
  },
});

/** Waits until the text of `selector` satisfies `ok` (the page updates every 2 s at most). */
async function waitForText(page: Page, selector: string, ok: (text: string) => boolean) {
  let last = "";
  stage = `text of ${selector}`;
  await until(async () => {
    last = (await page.textContent(selector)) ?? "";
    return ok(last.trim());
  }, `${selector} (last: ${JSON.stringify(last.slice(0, 200))})`);
}

function number(text: string | null): number {
  return Number((text ?? "").replaceAll(",", "").split(" ")[0]);
}

async function factsOf(page: Page): Promise<Record<string, string>> {
  const terms = await page.locator("#game-facts dt").allTextContents();
  const values = await page.locator("#game-facts dd").allTextContents();
  return Object.fromEntries(terms.map((t, i) => [t, values[i]]));
}

/** The bus's advice for the posted state, as stored (best play, blind odds). */
// deno-lint-ignore no-explicit-any
async function adviceEvents(bus: RunningBus): Promise<[any, any]> {
  let found: Record<string, unknown>[] = [];
  await until(async () => {
    found = await bus.events("topic=advice.>");
    return found.length >= 2;
  }, "the live advice");
  const payload = (topic: string) => found.find((e) => e.topic === topic)!.payload;
  return [payload("advice.best_play"), payload("advice.blind_odds")];
}

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = Deno.env.get("UPDATE_SCREENSHOTS") === "1"
    ? DOCS_IMAGES
    : await Deno.makeTempDir({ prefix: "jimbot-screenshots-" });
  await Deno.mkdir(dir, { recursive: true });
  stage = `screenshot ${name}`;
  await page.screenshot({ path: `${dir}${dir.endsWith("/") ? "" : "/"}${name}.png` });
  if (dir !== DOCS_IMAGES) await Deno.remove(dir, { recursive: true });
}
