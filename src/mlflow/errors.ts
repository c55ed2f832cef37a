/**
 * MLflow's error model: an `error_code` string and a message, answered as
 * `{"error_code": …, "message": …}` with the status MLflow uses for that code.
 * @module
 */

export type MlflowErrorCode =
  | "INVALID_PARAMETER_VALUE"
  | "RESOURCE_DOES_NOT_EXIST"
  | "RESOURCE_ALREADY_EXISTS"
  | "BAD_REQUEST"
  | "ENDPOINT_NOT_FOUND"
  | "RESOURCE_EXHAUSTED"
  | "INTERNAL_ERROR";

const STATUS: Readonly<Record<MlflowErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  BAD_REQUEST: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL_ERROR: 500,
};

/** An error whose message is shown to the client as it is. */
export class MlflowError extends Error {
  constructor(readonly code: MlflowErrorCode, message: string, readonly status = STATUS[code]) {
    super(message);
    this.name = "MlflowError";
  }
}

/** MLflow's wording for an absent required field. */
export function missing(name: string): MlflowError {
  return new MlflowError(
    "INVALID_PARAMETER_VALUE",
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

export function invalid(message: string): MlflowError {
  return new MlflowError("INVALID_PARAMETER_VALUE", message);
}

export function notFound(message: string): MlflowError {
  return new MlflowError("RESOURCE_DOES_NOT_EXIST", message);
}
