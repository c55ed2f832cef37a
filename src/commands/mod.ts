/** Commands for the mod: the queue and the shapes clients post. */
export { CommandQueue, type LeasedCommand } from "./command_queue.ts";
export { commandLines } from "./command_body.ts";
