/** Identity, scopes and the request guard (docs/security.md). */
export { type AuthConfig, type RunningAuth, startAuth, tokensPath } from "./start.ts";
export { Guard, type GuardRequest, LOCAL_ADMIN } from "./guard.ts";
export { sessionCookie, setCookie } from "./sessions.ts";
export {
  Admission,
  type AdmissionLimits,
  holdStream,
  releaseStreamOnClose,
  releaseWithBody,
  upgradedSocket,
  workClass,
} from "./admission.ts";
export { requiredScope } from "./request_scope.ts";
export {
  attachIdentity,
  clientName,
  type Identity,
  IDENTITY_KEY,
  identityOf,
  PUBLIC,
  requireScope,
} from "./identity.ts";
export { MOD_SCOPES, parseScopes, type Scope, SCOPES } from "./scopes.ts";
