/**
 * The stored text of an event and of a dead letter: what every log implementation writes and
 * readers get back, byte for byte the same whatever the backend.
 * @module
 */
import type { NewDeadLetter, NewEvent } from "./event_log.ts";

/** One envelope as a line of JSON, in the field order readers see. */
export function envelopeJson(ev: NewEvent, offset: number, receivedAt: number): string {
  const env: Record<string, unknown> = { offset, event_id: ev.event_id, type: ev.type };
  if (ev.subtype !== undefined) env.subtype = ev.subtype;
  env.topic = ev.topic;
  env.source = ev.source;
  env.version = ev.version;
  if (ev.priority !== undefined) env.priority = ev.priority;
  env.client_timestamp = ev.client_timestamp;
  env.received_at = receivedAt;
  if (ev.batch_id !== undefined) env.batch_id = ev.batch_id;
  env.payload = ev.payload;
  if (ev.extras) env.extras = ev.extras;
  if (ev.repairs?.length) env.repairs = ev.repairs;
  return JSON.stringify(env);
}

/** One dead letter as a line of JSON. */
export function deadLetterJson(dl: NewDeadLetter, seq: number, receivedAt: number): string {
  return JSON.stringify({ seq, received_at: receivedAt, ...dl });
}
