/**
 * Command push for one /api/v1/ws socket, at least once: queued lines are leased (not taken),
 * sent as `{"op":"command","id":n,"command":"<line>"}` and deleted only when the client answers
 * `{"op":"ack","command":n}`. A line whose send fails, or that is unacked when the socket
 * closes, is released and offered again (to this or another socket, or the REST poll).
 * @module
 */
import type { CommandQueue } from "../commands/mod.ts";
import type { Logger } from "../logger.ts";

/** Unacked commands one socket may hold; more wait in the queue. */
const MAX_IN_FLIGHT = 100;

export class CommandPush {
  readonly #queue: CommandQueue;
  readonly #socket: WebSocket;
  readonly #logger: Logger;
  readonly #inFlight = new Set<number>();
  #unlisten: (() => void) | undefined;
  #leasing = false;
  #leaseAgain = false;

  constructor(queue: CommandQueue, socket: WebSocket, logger: Logger) {
    this.#queue = queue;
    this.#socket = socket;
    this.#logger = logger;
  }

  start(): void {
    if (this.#unlisten) return;
    this.#unlisten = this.#queue.onEnqueue(() => this.#lease());
    if (this.#socket.readyState === WebSocket.OPEN) this.#lease();
    else this.#socket.addEventListener("open", () => this.#lease(), { once: true });
  }

  /** The client confirmed command `id`: it is deleted from the queue. */
  async ack(id: number): Promise<void> {
    if (!this.#inFlight.delete(id)) return;
    await this.#queue.ack([id]);
    this.#lease();
  }

  /** The socket closed: everything unacked goes back to the queue. */
  stop(): void {
    this.#unlisten?.();
    this.#unlisten = undefined;
    this.#queue.release([...this.#inFlight]);
    this.#inFlight.clear();
  }

  async #lease(): Promise<void> {
    if (this.#leasing) {
      this.#leaseAgain = true;
      return;
    }
    this.#leasing = true;
    try {
      do {
        this.#leaseAgain = false;
        const room = MAX_IN_FLIGHT - this.#inFlight.size;
        if (!this.#active() || room <= 0) return;
        const leased = await this.#queue.lease(room);
        const unsent: number[] = [];
        for (const { id, line } of leased) {
          if (this.#active() && this.#send(id, line)) this.#inFlight.add(id);
          else unsent.push(id);
        }
        this.#queue.release(unsent);
        if (leased.length === room) this.#leaseAgain = true;
      } while (this.#leaseAgain);
    } catch (err) {
      this.#logger.warn("ws command push failed", { error: err });
    } finally {
      this.#leasing = false;
    }
  }

  /** Started, not stopped, and the socket can take frames. */
  #active(): boolean {
    return this.#unlisten !== undefined && this.#socket.readyState === WebSocket.OPEN;
  }

  #send(id: number, command: string): boolean {
    try {
      this.#socket.send(JSON.stringify({ op: "command", id, command }));
      return true;
    } catch {
      return false;
    }
  }
}
