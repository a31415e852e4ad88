// Notices when a broker lost our persistent session: then the subscriptions are renewed and a
// broker.gap event records the window in which messages may be missing.
import type { Clock } from '../clock.ts';
import type { Committer } from '../log/committer.ts';
import type { Db } from '../log/database.ts';
import { newEventId } from '../events/ids.ts';

export interface SessionWatchDeps {
  db: Db;
  committer: Committer;
  clock: Clock;
  /** scheme://host:port of the broker (no credentials). */
  brokerUrl: string;
  clientId: string;
  /** The topic filters this session must hold. */
  topics: readonly string[];
  /** Source of the gap events, e.g. /sites/home/broker. */
  source: string;
}

export interface SessionWatch {
  /** On CONNACK: whether to (re)subscribe. A lost session that was known becomes a pending gap. */
  connected(sessionPresent: boolean): { subscribe: boolean };
  /** SUBACK (or nothing to subscribe): from now on nothing is missing. Records a pending gap. */
  live(): void;
  /** The connection is gone; the session was last known live at `lastHeardAt` (default now). */
  disconnected(lastHeardAt?: number): void;
  /** Removes the commit hook. */
  stop(): void;
}

// How often, at most, "still live at" is refreshed; a crash widens a later gap by at most this.
const REFRESH_MS = 1000;

/**
 * Kept in the consumers table (one row per broker and client id): position = when the session was
 * last known to be live (ms), version = the subscribed topic filters. No schema change needed.
 */
export function createSessionWatch(deps: SessionWatchDeps): SessionWatch {
  const { db, committer, clock } = deps;
  const name = `session:${deps.clientId}@${deps.brokerUrl}`;
  const fingerprint = [...deps.topics].sort().join('\n');
  const read = db.prepare('SELECT position, version FROM consumers WHERE name = ?');
  const write = db.prepare(
    'INSERT INTO consumers (name, position, version) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET position = excluded.position, version = excluded.version',
  );
  const row = read.get(name) as { position: number; version: string | null } | undefined;
  let lastLive = row?.position;
  let stored = row?.version ?? undefined;
  let persistedAt = lastLive ?? 0;
  let isLive = false;
  let dirty = false;
  let gapFrom: number | undefined;
  let persistQueued = false;

  // Rides along with every transaction (no extra fsync while events flow). The topics are written
  // only once the session is live, so a crash mid-subscribe subscribes again next time.
  const removeHooks = [
    committer.beforeCommit(() => {
      const now = clock.now();
      if (isLive && now - persistedAt >= REFRESH_MS) {
        lastLive = now;
        dirty = true;
      }
      if (!dirty || lastLive === undefined) return;
      write.run(name, lastLive, fingerprint);
      persistedAt = lastLive;
      stored = fingerprint;
      dirty = false;
    }),
    committer.onRollback(() => void (dirty = true)),
  ];

  function persistSoon(): void {
    if (persistQueued) return;
    persistQueued = true;
    committer.submit({ write() {}, done: () => void (persistQueued = false) });
  }

  return {
    connected(sessionPresent) {
      if (!sessionPresent && lastLive !== undefined) gapFrom ??= lastLive;
      return { subscribe: !sessionPresent || stored !== fingerprint };
    },
    live() {
      const now = clock.now();
      const from = gapFrom;
      gapFrom = undefined;
      isLive = true;
      lastLive = now;
      dirty = true;
      if (from === undefined) return persistSoon();
      committer.submit({
        write() {
          committer.append({
            id: newEventId(now),
            source: deps.source,
            type: 'broker.gap',
            time: new Date(now).toISOString(),
            data: { broker: deps.brokerUrl, clientId: deps.clientId, from: new Date(from).toISOString(), until: new Date(now).toISOString(), reason: 'session-lost' },
          });
        },
      });
    },
    disconnected(lastHeardAt) {
      if (!isLive) return;
      isLive = false;
      lastLive = lastHeardAt ?? clock.now();
      dirty = true;
      persistSoon();
    },
    stop: () => removeHooks.forEach((remove) => remove()),
  };
}
