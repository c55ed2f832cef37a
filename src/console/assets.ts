/**
 * The console's files, embedded in the program (text imports are part of the module graph, so
 * `deno compile` carries them): the page, its script and style, and uPlot from npm.
 * @module
 */
import page from "./page.html" with { type: "text" };
import script from "./console.js" with { type: "text" };
import style from "./console.css" with { type: "text" };
import uplotScript from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotStyle from "uplot/dist/uPlot.min.css" with { type: "text" };

export interface Asset {
  readonly body: string;
  readonly type: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

export const PAGE: Asset = { body: page, type: "text/html; charset=utf-8" };

/** The files under /console/, by name. */
export const ASSETS: ReadonlyMap<string, Asset> = new Map([
  ["console.js", { body: script, type: JS }],
  ["console.css", { body: style, type: CSS }],
  ["uplot.js", { body: uplotScript, type: JS }],
  ["uplot.css", { body: uplotStyle, type: CSS }],
]);
