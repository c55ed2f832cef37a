/**
 * Test kit: Debian's chromium, headless, driven by playwright-core, with a fresh profile and no
 * background traffic (this machine reaches no outside host); and the console's login step.
 * @module
 */
import { type BrowserContext, chromium } from "playwright-core";
import { findTool, pathOf } from "./_tools.ts";

export const CHROMIUM = await findTool("chromium", ["--version"], "apt-get install chromium");

export interface Browser extends AsyncDisposable {
  readonly context: BrowserContext;
}

/** Opens chromium (only call it when CHROMIUM was found). */
export async function openBrowser(
  viewport = { width: 1400, height: 900 },
): Promise<Browser> {
  const profile = await Deno.makeTempDir({ prefix: "jimbot-chromium-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: pathOf(CHROMIUM),
    headless: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
