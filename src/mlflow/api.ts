/**
 * The HTTP face of the tracking server: MLflow's REST paths under `/api/2.0/mlflow/`, the
 * artifact proxy under `/api/2.0/mlflow-artifacts/`, each answered with MLflow's JSON and error
 * shapes. Mounted in front of the bus's own routes.
 * @module
 */
import { BusError, HTTP_STATUS } from "../errors.ts";
import type { BodyReader } from "../http/body.ts";
import type { Mount } from "../http/handler.ts";
import type { Logger } from "../logger.ts";
import type { ArtifactStore } from "./artifacts.ts";
import { MlflowError } from "./errors.ts";
import { type Fields, optString, reqStringOf } from "./fields.ts";
import type { Registry } from "./registry.ts";
import type { Tracking } from "./tracking.ts";

export const API_PREFIX = "/api/2.0/mlflow/";
export const ARTIFACTS_PREFIX = "/api/2.0/mlflow-artifacts/artifacts";

type Method = "GET" | "POST" | "PATCH" | "DELETE";
type Endpoint = (fields: Fields) => Promise<unknown>;

export interface ApiDeps {
  readonly tracking: Tracking;
  readonly registry: Registry;
  readonly artifacts: ArtifactStore;
  readonly bodies: BodyReader;
  /** An artifact upload that sends nothing for this long is refused (408). */
  readonly uploadIdleMs: number;
  readonly logger: Logger;
}

/** path (after /api/2.0/mlflow/) → method → endpoint. */
function endpoints({ tracking: t, registry: r, artifacts }: ApiDeps) {
  const table: Record<string, Partial<Record<Method, Endpoint>>> = {
    "experiments/create": { POST: (f) => t.createExperiment(f) },
    "experiments/get": { GET: (f) => t.getExperiment(f) },
    "experiments/get-by-name": { GET: (f) => t.getExperimentByName(f) },
    "experiments/search": {
      POST: (f) => t.searchExperiments(f),
      GET: (f) => t.searchExperiments(f),
    },
    // MLflow 1.x's listing, still used by older clients (the npm `mlflow` package).
    "experiments/list": { GET: (f) => t.searchExperiments(f) },
    "experiments/update": { POST: (f) => t.updateExperiment(f) },
    "experiments/delete": { POST: (f) => t.deleteExperiment(f) },
    "experiments/restore": { POST: (f) => t.restoreExperiment(f) },
    "experiments/set-experiment-tag": { POST: (f) => t.setExperimentTag(f) },
    "runs/create": { POST: (f) => t.createRun(f) },
    "runs/get": { GET: (f) => t.getRun(f) },
    "runs/update": { POST: (f) => t.updateRun(f) },
    "runs/delete": { POST: (f) => t.deleteRun(f) },
    "runs/restore": { POST: (f) => t.restoreRun(f) },
    "runs/search": { POST: (f) => t.searchRuns(f), GET: (f) => t.searchRuns(f) },
    "runs/log-metric": { POST: (f) => t.logMetric(f) },
    "runs/log-parameter": { POST: (f) => t.logParam(f) },
    "runs/log-batch": { POST: (f) => t.logBatch(f) },
    "runs/set-tag": { POST: (f) => t.setTag(f) },
    "runs/delete-tag": { POST: (f) => t.deleteTag(f) },
    "metrics/get-history": { GET: (f) => t.getMetricHistory(f) },
    "artifacts/list": {
      GET: async (f) => {
        const run = await t.fullRun(reqStringOf(f, ["run_id", "run_uuid"]));
        const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, "");
        const sub = optString(f, "path") ?? "";
        const files = await artifacts.list(sub ? `${root}/${sub}` : root);
        const relative = files.map((e) => ({ ...e, path: e.path.slice(root.length + 1) }));
        return { root_uri: run.info.artifact_uri, files: relative.length ? relative : undefined };
      },
    },
    "registered-models/create": { POST: (f) => r.createModel(f) },
    "registered-models/get": { GET: (f) => r.getModel(f) },
    "registered-models/rename": { POST: (f) => r.renameModel(f) },
    "registered-models/update": { PATCH: (f) => r.updateModel(f) },
    "registered-models/delete": { DELETE: (f) => r.deleteModel(f) },
    "registered-models/search": { GET: (f) => r.searchModels(f) },
    "registered-models/get-latest-versions": {
      POST: (f) => r.latestVersions(f),
      GET: (f) => r.latestVersions(f),
    },
    "registered-models/set-tag": { POST: (f) => r.setModelTag(f) },
    "registered-models/delete-tag": { DELETE: (f) => r.deleteModelTag(f) },
    "registered-models/alias": {
      POST: (f) => r.setAlias(f),
      DELETE: (f) => r.deleteAlias(f),
      GET: (f) => r.versionByAlias(f),
    },
    "model-versions/create": { POST: (f) => r.createVersion(f) },
    "model-versions/get": { GET: (f) => r.getVersion(f) },
    "model-versions/update": { PATCH: (f) => r.updateVersion(f) },
    "model-versions/delete": { DELETE: (f) => r.deleteVersion(f) },
    "model-versions/search": { GET: (f) => r.searchVersions(f) },
    "model-versions/transition-stage": { POST: (f) => r.transitionStage(f) },
    "model-versions/set-tag": { POST: (f) => r.setVersionTag(f) },
    "model-versions/delete-tag": { DELETE: (f) => r.deleteVersionTag(f) },
  };
  return table;
}

/** The MLflow REST API and the artifact proxy, as mounts for the bus's handler. */
export function mlflowMounts(deps: ApiDeps): Mount[] {
  const table = endpoints(deps);
  const guarded = (work: () => Promise<Response>) =>
    work().catch((err) => mlflowError(err, deps.logger));
  return [
    {
      name: API_PREFIX,
      handle: (req, url) => {
        if (!url.pathname.startsWith(API_PREFIX)) return null;
        return guarded(async () => {
          const path = url.pathname.slice(API_PREFIX.length);
          const methods = table[path];
          if (!methods) {
            throw new MlflowError("ENDPOINT_NOT_FOUND", `No API endpoint ${url.pathname}`);
          }
          // Methods are matched case-blind: fetch() sends a lowercase "patch" as it is.
          const upper = req.method.toUpperCase();
          const method = (upper === "HEAD" ? "GET" : upper) as Method;
          const endpoint = methods[method];
          if (!endpoint) {
            const allow = Object.keys(methods).join(", ");
            throw new MlflowError(
              "BAD_REQUEST",
              `${req.method} is not allowed on ${url.pathname}; use ${allow}`,
              405,
            );
          }
          const fields = await requestFields(req, url, deps.bodies);
          return jsonResponse(200, await endpoint(fields));
        });
      },
    },
    {
      name: ARTIFACTS_PREFIX,
      handle: (req, url) => {
        const p = url.pathname;
        if (p !== ARTIFACTS_PREFIX && !p.startsWith(ARTIFACTS_PREFIX + "/")) return null;
        return guarded(() => artifactRequest(req, url, deps.artifacts, deps.uploadIdleMs));
      },
    },
  ];
}

async function artifactRequest(
  req: Request,
  url: URL,
  store: ArtifactStore,
  idleMs: number,
): Promise<Response> {
  const rest = url.pathname.slice(ARTIFACTS_PREFIX.length + 1);
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw new MlflowError("BAD_REQUEST", `Bad percent-encoding in the path ${url.pathname}`);
  }
  if (path === "") {
    if (req.method !== "GET") {
      throw new MlflowError("BAD_REQUEST", `${req.method} needs an artifact path`, 405);
    }
    const files = await store.list(url.searchParams.get("path") ?? "");
    return jsonResponse(200, { files: files.length ? files : undefined });
  }
  switch (req.method) {
    case "PUT":
      await store.put(path, req.body, idleMs);
      return jsonResponse(200, {});
    case "GET":
    case "HEAD": {
      const { body, size } = await store.get(path);
      if (req.method === "HEAD") await body.cancel(); // closes the file
      return new Response(req.method === "HEAD" ? null : body, {
        headers: { "content-type": "application/octet-stream", "content-length": String(size) },
      });
    }
    case "DELETE":
      await store.delete(path);
      return jsonResponse(200, {});
  }
  throw new MlflowError("BAD_REQUEST", `${req.method} is not allowed on artifacts`, 405);
}

/** A GET's query, or a JSON body (or the query when the body is empty). */
async function requestFields(req: Request, url: URL, bodies: BodyReader): Promise<Fields> {
  if (!/^(GET|HEAD)$/i.test(req.method)) {
    const bytes = await bodies.read(req);
    const text = new TextDecoder().decode(bytes).trim();
    if (text !== "") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new MlflowError("BAD_REQUEST", `Malformed JSON body: ${(err as Error).message}`);
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new MlflowError("BAD_REQUEST", "The request body must be a JSON object");
      }
      return parsed as Fields;
    }
  }
  const fields: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const seen = fields[k];
    fields[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
  }
  return fields;
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function mlflowError(err: unknown, logger: Logger): Response {
  if (err instanceof MlflowError) {
    return jsonResponse(err.status, { error_code: err.code, message: err.message });
  }
  if (err instanceof BusError) {
    const code = err.kind === "too_large" ? "RESOURCE_EXHAUSTED" : "BAD_REQUEST";
    return jsonResponse(HTTP_STATUS[err.kind], { error_code: code, message: err.message });
  }
  logger.error("tracking request failed", { error: err });
  return jsonResponse(500, {
    error_code: "INTERNAL_ERROR",
    message: "The tracking server failed to handle this request; it is logged, please retry",
  });
}
