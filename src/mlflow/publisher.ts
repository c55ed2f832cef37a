/**
 * Every tracking change is also an event on the bus (`experiment.<subtype>` topics), so
 * analytics, dashboards and agents see learning progress. Published through ingest, like the
 * advisor's events, after the tracking store has made the change durable.
 * @module
 */
import type { Ingest } from "../ingest/mod.ts";
import type { Logger } from "../logger.ts";

export const EXPERIMENT_SOURCE = "jimbot-mlflow";
const ROUTE = "/api/2.0/mlflow";

/** experiment, run, metrics, params, tags, model → topic `experiment.<subtype>`. */
export type Publish = (
  subtype: string,
  payload: Record<string, unknown>,
  eventId?: string,
) => Promise<void>;

/**
 * A bus event per change. The tracking store is the record of truth: when the log refuses the
 * event (saturated), the change stays stored and answered, and the miss is logged.
 */
export function busPublisher(ingest: Pick<Ingest, "acceptOwnBatch">, logger: Logger): Publish {
  return async (subtype, payload, eventId) => {
    try {
      await ingest.acceptOwnBatch({
        source: EXPERIMENT_SOURCE,
        events: [{
          type: "EXPERIMENT",
          subtype,
          event_id: eventId,
          source: EXPERIMENT_SOURCE,
          version: 1,
          timestamp: Date.now(),
          payload,
        }],
      }, ROUTE);
    } catch (error) {
      logger.warn("experiment event not published", { subtype, error });
    }
  };
}
