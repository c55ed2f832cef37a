"""Experiment tracking against the bus's MLflow-compatible API (MLFLOW_TRACKING_URI = the bus).

    tracking = Tracking("http://127.0.0.1:8080")
    with tracking.start_run("blind-policy", run_name="ppo-1", params={"lr": 0.001}) as run:
        for step, loss in enumerate(losses):
            run.log_metrics({"loss": loss}, step=step)
    # the run ends FINISHED, or FAILED when the block raised

Errors raise `jimbot_bus.errors` types; `error_code` holds MLflow's code.
"""

import contextlib
import json
import time
import urllib.parse

from .client import bus_token, http_request
from .errors import NotFoundError, error_from_mlflow

__all__ = ["Tracking", "Run"]


def _now_ms():
    return int(time.time() * 1000)


class Tracking:
    def __init__(self, base_url, timeout_s=10.0, token=None):
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.token = bus_token(token)  # the "experiments" scope

    def call(self, method, path, body=None):
        """One MLflow REST call: GET fields go in the query, others as a JSON body."""
        url = f"{self.base_url}/api/2.0/mlflow/{path}"
        data = None
        if method == "GET" and body:
            url += "?" + urllib.parse.urlencode(body, doseq=True)
        elif body is not None:
            data = json.dumps(body).encode()
        answer = http_request(url, method, data, {"Content-Type": "application/json"},
                              self.timeout_s, to_error=error_from_mlflow, token=self.token)
        return json.loads(answer or b"{}")

    def experiment_id(self, name):
        """The id of the experiment called `name`, created when absent."""
        try:
            return self.call("GET", "experiments/get-by-name",
                             {"experiment_name": name})["experiment"]["experiment_id"]
        except NotFoundError:
            return self.call("POST", "experiments/create", {"name": name})["experiment_id"]

    @contextlib.contextmanager
    def start_run(self, experiment, run_name=None, params=None, tags=None):
        """A run for the block: params and tags logged at the start, FINISHED or FAILED at the end."""
        body = {"experiment_id": self.experiment_id(experiment), "start_time": _now_ms(),
                "tags": [{"key": k, "value": str(v)} for k, v in (tags or {}).items()]}
        if run_name:
            body["run_name"] = run_name
        run = Run(self, self.call("POST", "runs/create", body)["run"]["info"]["run_id"])
        if params:
            run.log_params(params)
        try:
            yield run
        except BaseException:
            run.end("FAILED")
            raise
        run.end("FINISHED")

    def runs(self, experiment, filter_string="", order_by=()):
        """Runs of an experiment (search), as MLflow's run dicts."""
        body = {"experiment_ids": [self.experiment_id(experiment)], "filter": filter_string,
                "order_by": list(order_by)}
        return self.call("POST", "runs/search", body).get("runs", [])


class Run:
    def __init__(self, tracking, run_id):
        self.tracking = tracking
        self.run_id = run_id

    def log_params(self, params):
        self._batch(params=[{"key": k, "value": str(v)} for k, v in params.items()])

    def log_metrics(self, metrics, step=0):
        now = _now_ms()
        self._batch(metrics=[{"key": k, "value": float(v), "timestamp": now, "step": step}
                             for k, v in metrics.items()])

    def log_metric(self, key, value, step=0):
        self.log_metrics({key: value}, step)

    def set_tags(self, tags):
        self._batch(tags=[{"key": k, "value": str(v)} for k, v in tags.items()])

    def history(self, key):
        """Every logged value of a metric, as [(step, value)], by step."""
        answer = self.tracking.call("GET", "metrics/get-history",
                                    {"run_id": self.run_id, "metric_key": key})
        return sorted((m["step"], m["value"]) for m in answer.get("metrics", []))

    def get(self):
        return self.tracking.call("GET", "runs/get", {"run_id": self.run_id})["run"]

    def end(self, status="FINISHED"):
        self.tracking.call("POST", "runs/update",
                           {"run_id": self.run_id, "status": status, "end_time": _now_ms()})

    def _batch(self, metrics=(), params=(), tags=()):
        # MLflow's batch limits: 100 params, 100 tags, 1000 entries in all per request.
        metrics, params, tags = list(metrics), list(params), list(tags)
        while metrics or params or tags:
            p, t = params[:100], tags[:100]
            m = metrics[:1000 - len(p) - len(t)]
            self.tracking.call("POST", "runs/log-batch",
                               {"run_id": self.run_id, "metrics": m, "params": p, "tags": t})
            metrics, params, tags = metrics[len(m):], params[len(p):], tags[len(t):]
