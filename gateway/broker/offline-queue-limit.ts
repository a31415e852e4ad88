// Bounds what aedes queues for a persistent session (clean: false) while its client is offline:
// aedes' in-memory persistence queues without limit, so a device away for a week would grow the
// gateway's memory with every command meant for it. Past the limit, newer messages are dropped and
// counted (Mosquitto's max_queued_messages behaves the same way).
import type { Aedes } from 'aedes';

interface Sub {
  clientId: string;
}

type Callback = (err?: Error | null) => void;

interface Persistence {
  outgoingEnqueue(sub: Sub, packet: unknown, cb?: Callback): Promise<void> | void;
  outgoingEnqueueCombi(subs: Sub[], packet: unknown, cb?: Callback): Promise<void> | void;
}

export interface OfflineQueueLimit {
  /** Messages dropped because a session's offline queue was full. */
  readonly dropped: number;
}

/** Wraps the broker's persistence in place; aedes looks its methods up on every call. */
export function limitOfflineQueue(broker: Aedes, limit: number, onDropped?: (clientId: string) => void): OfflineQueueLimit {
  const internals = broker as unknown as { persistence: Persistence; clients: Record<string, { connected?: boolean } | undefined> };
  const persistence = internals.persistence;
  const clients = internals.clients;
  // Messages queued for each client since it went offline; a connected client drains its queue
  // through its acks, so only offline ones are counted.
  const queued = new Map<string, number>();
  let dropped = 0;

  function admit(sub: Sub): boolean {
    if (clients[sub.clientId]?.connected === true) return true;
    const n = queued.get(sub.clientId) ?? 0;
    if (n >= limit) {
      dropped++;
      onDropped?.(sub.clientId);
      return false;
    }
    queued.set(sub.clientId, n + 1);
    return true;
  }

  const enqueue = persistence.outgoingEnqueue.bind(persistence);
  const enqueueCombi = persistence.outgoingEnqueueCombi.bind(persistence);
  persistence.outgoingEnqueue = (sub, packet, cb) => {
    if (admit(sub)) return enqueue(sub, packet, cb);
    if (cb) return cb(null);
    return Promise.resolve();
  };
  persistence.outgoingEnqueueCombi = (subs, packet, cb) => enqueueCombi(subs.filter(admit), packet, cb);
  // A client that is back drains its queue: count afresh from its next absence.
  broker.on('clientReady', (client) => queued.delete(client.id));

  return {
    get dropped() {
      return dropped;
    },
  };
}
