/** Connect services on the main port and the native gRPC listener. */
export {
  createFetchRpcHandler,
  type FetchRpcHandler,
  type RpcOptions,
  type ServiceRegistration,
} from "./services.ts";
export {
  type ConnectionEvents,
  type ConnectionLimits,
  type GrpcServerOptions,
  type RunningGrpcServer,
  startGrpcServer,
} from "./grpc_server.ts";
export { type EventBusDeps, eventBusService } from "./event_bus_service.ts";
export { CONNECT_CODE, toConnectError } from "./errors.ts";
