/**
 * Topics as NATS subjects: a topic whose segments are valid subject tokens is stored on
 * `<base>.t.<topic>` (so JetStream counts and filters it natively); any other topic on
 * `<base>.x.<base64url of the topic>`, which reads back to the same topic.
 * @module
 */

// A subject token: no empty segment, no whitespace, no wildcard characters.
const SUBJECT_SAFE = /^[^\s.*>]+(\.[^\s.*>]+)*$/u;

export function topicSubject(base: string, topic: string): string {
  if (SUBJECT_SAFE.test(topic)) return `${base}.t.${topic}`;
  const bytes = new TextEncoder().encode(topic);
  const b64 = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
  return `${base}.x.${b64 || "_"}`;
}

/** The topic stored on `subject` (which starts with `base`). */
export function subjectTopic(base: string, subject: string): string {
  const rest = subject.slice(base.length + 1);
  if (rest.startsWith("t.")) return rest.slice(2);
  const b64 = rest.slice(2);
  if (b64 === "_") return "";
  const bin = atob(b64.replaceAll("-", "+").replaceAll("_", "/"));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}
