/** Ingest: bodies as the mod sends them → canonical events in the log. */
export { Ingest, type IngestAnswer, type IngestObserver } from "./ingest.ts";
export { routeTopic } from "./topic_routing.ts";
export { parseLenientJson } from "./lenient_json.ts";
