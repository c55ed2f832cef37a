/**
 * Topic patterns: segments split on `.`; `*` matches exactly one segment; `>` as the last
 * segment matches one or more trailing segments (the NATS subject rules, so a JetStream log can
 * filter natively later).
 * @module
 */

/** A compiled pattern; build once, test many topics. */
export type TopicMatcher = (topic: string) => boolean;

/** Compiles a pattern, or throws a TypeError naming what is wrong with it. */
export function compileTopicPattern(pattern: string): TopicMatcher {
  const parts = pattern.split(".");
  parts.forEach((part, i) => {
    if (part === "") throw new TypeError(`Invalid topic pattern "${pattern}": empty segment`);
    if (part === ">" && i !== parts.length - 1) {
      throw new TypeError(`Invalid topic pattern "${pattern}": ">" must be the last segment`);
    }
    if (part !== "*" && part !== ">" && /[*>]/.test(part)) {
      throw new TypeError(
        `Invalid topic pattern "${pattern}": wildcards must be whole segments`,
      );
    }
  });
  if (!parts.some((p) => p === "*" || p === ">")) return (topic) => topic === pattern;
  const tail = parts[parts.length - 1] === ">";
  const fixed = tail ? parts.slice(0, -1) : parts;
  return (topic) => {
    const segs = topic.split(".");
    if (tail ? segs.length <= fixed.length : segs.length !== fixed.length) return false;
    return fixed.every((p, i) => p === "*" || p === segs[i]);
  };
}

/** A matcher for any of several comma-separated patterns (`game.>,system.heartbeat`). */
export function compileTopicPatterns(patterns: string): TopicMatcher {
  const matchers = patterns.split(",").map((p) => compileTopicPattern(p.trim()));
  return matchers.length === 1 ? matchers[0] : (t) => matchers.some((m) => m(t));
}
