/** The Balatro advisor: the engine served as a Connect service, and live advice on the bus. */
export { type AdvisorDeps, advisorService, registerAdvisor } from "./service.ts";
export { EngineWorker } from "./engine_worker.ts";
export { LiveAdvice, type LiveAdviceDeps, type LiveAdviceStats } from "./live_advice.ts";
