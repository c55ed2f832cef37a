/**
 * The analytics service the bus runs: the store, its log consumer, the optional PostgreSQL
 * mirror, and the read side (queries, exports, synergy, patterns) the routes and CLI call.
 * @module
 */
import type { AnalyticsConfig } from "../config.ts";
import type { EventLog } from "../log/mod.ts";
import type { Logger, LogLevel } from "../logger.ts";
import { AnalyticsConsumer } from "./consumer.ts";
import { exportQuery, type QueryOptions, runQuery } from "./query.ts";
import type { ExportFormat } from "./export.ts";
import { ProjectionWorker } from "./projection.ts";
import { analyticsPath } from "./store.ts";
import type { SynergyOptions, SynergyPair } from "./synergy.ts";
import type { Pattern, PatternOptions } from "./patterns.ts";
import { analyticsJobs } from "./job_process.ts";

/** Rows an export may hold (a query's own limit is for interactive use). */
export const EXPORT_MAX_ROWS = 1_000_000;
/** Largest export, counted as JSON text of its rows before encoding. */
export const EXPORT_MAX_BYTES = 256 * 1024 * 1024;

/** The running analytics of one data directory. */
export class Analytics {
  readonly path: string;
  #config: AnalyticsConfig;
  #projection: ProjectionWorker;
  #consumer: AnalyticsConsumer;

  private constructor(
    path: string,
    config: AnalyticsConfig,
    projection: ProjectionWorker,
    consumer: AnalyticsConsumer,
  ) {
    this.path = path;
    this.#config = config;
    this.#projection = projection;
    this.#consumer = consumer;
  }

  /**
   * Opens the store in `dataDir` in the projection worker (which also runs the PostgreSQL
   * mirror) and starts following `log`.
   */
  static async start(
    log: EventLog,
    opts: { dataDir: string; config: AnalyticsConfig; logger: Logger; logLevel: LogLevel },
  ): Promise<Analytics> {
    const { config, logger } = opts;
    const path = analyticsPath(opts.dataDir);
    const projection = await ProjectionWorker.open({
      path,
      rawMaxAgeMs: config.rawMaxAgeMs,
      postgresUrl: config.postgresUrl || null,
      logLevel: opts.logLevel,
    });
    const consumer = new AnalyticsConsumer(log, projection, {
      onError: (error) => logger.error("analytics projection failed", { error }),
    });
    logger.info("analytics started", {
      path,
      offset: projection.offset,
      postgres: Boolean(config.postgresUrl),
    });
    return new Analytics(path, config, projection, consumer);
  }

  /** The next log offset the projection will apply. */
  get offset(): number {
    return this.#projection.offset;
  }

  query(request: { sql: string; params?: readonly unknown[] }, limits?: Partial<QueryOptions>) {
    return runQuery(this.path, request, {
      maxRows: limits?.maxRows ?? this.#config.queryMaxRows,
      timeoutMs: limits?.timeoutMs ?? this.#config.queryTimeoutMs,
      maxBytes: limits?.maxBytes,
    });
  }

  /** A query as a CSV or Parquet file: the time budget of queries, up to EXPORT_MAX_ROWS rows. */
  exportFile(request: { sql: string; params?: readonly unknown[] }, format: ExportFormat) {
    return exportQuery(this.path, request, format, {
      maxRows: EXPORT_MAX_ROWS,
      maxBytes: EXPORT_MAX_BYTES,
      timeoutMs: this.#config.queryTimeoutMs,
    });
  }

  /** The synergy matrix, computed in a child process within the query time budget. */
  async synergy(opts: SynergyOptions): Promise<SynergyPair[]> {
    const job = { kind: "synergy" as const, opts };
    const { result } = await analyticsJobs.run(this.path, job, this.#config.queryTimeoutMs);
    return result as SynergyPair[];
  }

  /** Frequent play patterns, mined in a child process within the query time budget. */
  async patterns(opts: PatternOptions): Promise<Pattern[]> {
    const job = { kind: "patterns" as const, opts };
    const { result } = await analyticsJobs.run(this.path, job, this.#config.queryTimeoutMs);
    return result as Pattern[];
  }

  async stop(): Promise<void> {
    analyticsJobs.killAll();
    await this.#consumer.stop();
    await this.#projection.close();
  }
}
