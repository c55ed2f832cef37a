/**
 * Builds clients/lua/event_bus_client.lua, the one file a player copies over the mod's, from
 * src/event_bus_client.lua and the modules in src/jimbot/ (each wrapped in a loader reached
 * through a local `require`, so nothing is added to the game's globals or package tables).
 * tests/lua/units_test.ts fails when the checked-in file is stale.
 *
 *   deno run -A clients/lua/bundle.ts
 * @module
 */
const HERE = new URL("./", import.meta.url).pathname;
export const BUNDLE_PATH = `${HERE}event_bus_client.lua`;

/** Modules in dependency order (each only requires ones above it). */
const MODULES = [
  "bitops",
  "sha1",
  "base64",
  "budget",
  "utf8",
  "json",
  "proto_schema",
  "protobuf",
  "websocket",
  "http",
  "backoff",
  "ids",
  "batch_encoder",
];

export function render(): string {
  const parts = [
    "-- BalatroMCP event_bus_client.lua, JimBot Bus edition: WebSocket with REST fallback,",
    "-- per-batch acks, optional protobuf. Built by clients/lua/bundle.ts from clients/lua/src/;",
    "-- edit those and rebuild. Install: copy this file over mods/BalatroMCP/event_bus_client.lua.",
    "local jimbot_loaders, jimbot_loaded = {}, {}",
    "local function jimbot_require(name)",
    "  local loader = jimbot_loaders[name]",
    "  if not loader then return require(name) end",
    "  if jimbot_loaded[name] == nil then jimbot_loaded[name] = loader() end",
    "  return jimbot_loaded[name]",
    "end",
  ];
  for (const name of MODULES) {
    const source = Deno.readTextFileSync(`${HERE}src/jimbot/${name}.lua`).trimEnd();
    parts.push(
      `jimbot_loaders["jimbot.${name}"] = function()`,
      "local require = jimbot_require",
      source,
      "end",
    );
  }
  parts.push(
    "local require = jimbot_require",
    Deno.readTextFileSync(`${HERE}src/event_bus_client.lua`).trimEnd(),
  );
  return parts.join("\n") + "\n";
}

if (import.meta.main) await Deno.writeTextFile(BUNDLE_PATH, render());
