// storage.synchronous FULL with the fsync off the event loop: nobody is told of a commit (an MQTT
// acknowledgement, a commit listener) before the fsync that covers it returns, commits made while an
// fsync runs share the next one, a clean stop syncs at once, and a failed fsync stops the log.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../gateway/clock.ts';
import { createCore, type Core } from '../../gateway/core.ts';
import { loadAdapters } from '../../gateway/ingest/load-adapters.ts';
import { openDatabase, type Db } from '../../gateway/log/database.ts';
import { deferWalSync, type WalSync } from '../../gateway/log/wal-sync.ts';
import type { InboundMessage } from '../../gateway/sdk/device.ts';
import { tempDir } from '../helpers/gateway-process.ts';
import { turns } from '../helpers/in-process.ts';

/** An fsync asked for: the real one's result once it is back, and the committer's callback. */
interface HeldFsync {
  back: Promise<Error | null>;
  answer(err: Error | null): void;
}

/** The real WAL syncer, with each fsync's answer held until the test releases it. */
interface HeldSync extends WalSync {
  /** fsyncs asked for and not yet answered, oldest first. */
  held: HeldFsync[];
  syncs: number;
  syncNows: number;
}

function held(real: WalSync): HeldSync {
  const h: HeldSync = {
    held: [],
    syncs: 0,
    syncNows: 0,
    sync(done) {
      h.syncs++;
      h.held.push({ back: new Promise((resolve) => real.sync(resolve)), answer: done });
    },
    syncNow() {
      h.syncNows++;
      real.syncNow();
    },
    close: () => real.close(),
  };
  return h;
}

/** Once the oldest real fsync is back, answers it (with `err` instead, if given). */
async function release(h: HeldSync, err?: Error): Promise<void> {
  const fsync = h.held.shift();
  if (!fsync) throw new Error('no fsync to release');
  const real = await fsync.back;
  fsync.answer(err ?? real);
  await turns();
}

let db: Db | undefined;
let sync: HeldSync | undefined;
afterEach(() => {
  db?.close();
  sync?.close();
  db = sync = undefined;
});

async function start(): Promise<{ core: Core; sync: HeldSync; errors: string[] }> {
  const dir = tempDir();
  const file = join(dir.path, 'firstlight.db');
  db = openDatabase({ file });
  sync = held(deferWalSync(db, file));
  const errors: string[] = [];
  const core = createCore({
    db,
    wal: sync,
    clock: new SimulatedClock(Date.parse('2026-01-01T00:00:00Z')),
    adapters: await loadAdapters({}),
    sourceBase: '/sites/test',
    log: { info() {}, warn() {}, error: (m, d) => void errors.push(`${m} ${JSON.stringify(d)}`) },
    publish: (_m, done) => done(null),
    maxPayloadBytes: 65536,
    maxCommandAgeMs: 60_000,
  });
  await core.start([]);
  // Starting committed (and synced) the built-in rules' positions; count from here.
  sync.syncs = 0;
  return { core, sync, errors };
}

const message = (id: string): InboundMessage => ({
  topic: 'cloudevents/test',
  payload: Buffer.from(JSON.stringify({ specversion: '1.0', id, source: '/tests', type: 'test.ping' })),
  qos: 1,
  retain: false,
  replayed: false,
});

/** Accepts a QoS 1 message; the returned list gets its acknowledgement's error (null) once told. */
function accept(core: Core, id: string, acks: Array<Error | null>): void {
  core.ingest.accept(message(id), (err) => void acks.push(err ?? null));
}

describe('FULL durability with the fsync off the event loop', () => {
  it('switches the connection to commits without fsync, and fsyncs the WAL file instead', async () => {
    await start();
    expect(db!.pragma('synchronous', { simple: true })).toBe(1);
    sync!.syncNow();
    expect(sync!.syncNows).toBe(1);
  });

  it('acknowledges a QoS 1 message only once the fsync after its commit has returned', async () => {
    const { core, sync } = await start();
    const acks: Array<Error | null> = [];
    const told: number[] = [];
    core.committer.onCommitted((events) => told.push(events.length));
    accept(core, 'a', acks);
    await turns();
    // Committed (a reader sees it), not yet durable: nobody told.
    expect(core.events.head()).toBeGreaterThan(0);
    expect(core.events.byId('a')).toBeDefined();
    expect(acks).toEqual([]);
    expect(told).toEqual([]);
    await release(sync);
    expect(acks).toEqual([null]);
    expect(told).toEqual([1]);
    expect(core.committer.stats.syncs).toBeGreaterThan(0);
    expect(core.committer.stats.lastSyncMs).toBeGreaterThan(0);
  });

  it('lets the commits made while an fsync runs share the next one, and tells them in commit order', async () => {
    const { core, sync } = await start();
    const acks: string[] = [];
    const ack = (id: string) => core.ingest.accept(message(id), (err) => void acks.push(err ? `${id}: ${err.message}` : id));
    ack('a');
    await turns();
    // Three more commits, each in its own turn, while the first fsync is out.
    for (const id of ['b', 'c', 'd']) {
      ack(id);
      await turns();
    }
    expect(core.committer.stats.commits).toBeGreaterThanOrEqual(4);
    expect(sync.syncs).toBe(1);
    await release(sync);
    expect(acks).toEqual(['a']);
    // The second fsync covers b, c and d together.
    expect(sync.syncs).toBe(2);
    await release(sync);
    expect(acks).toEqual(['a', 'b', 'c', 'd']);
    await core.committer.settled();
  });

  it('makes everything durable at once on a clean stop (flushNow), and tells it', async () => {
    const { core, sync } = await start();
    const acks: Array<Error | null> = [];
    accept(core, 'a', acks);
    await turns();
    accept(core, 'b', acks);
    core.committer.flushNow();
    expect(sync.syncNows).toBe(1);
    expect(acks).toEqual([null, null]);
    // The fsync that was running comes back later and tells nobody twice.
    await release(sync);
    expect(acks).toEqual([null, null]);
    await core.committer.settled();
  });

  it('after a failed fsync acknowledges nothing, takes no more writes and says why', async () => {
    const { core, sync, errors } = await start();
    const acks: Array<Error | null> = [];
    accept(core, 'a', acks);
    await turns();
    accept(core, 'b', acks);
    await turns();
    await release(sync, Object.assign(new Error('EIO: i/o error, fsync'), { code: 'SQLITE_IOERR_FSYNC' }));
    expect(acks.map((e) => e?.message)).toEqual(['EIO: i/o error, fsync', 'EIO: i/o error, fsync']);
    expect(core.storage.state()).toMatchObject({ writable: false, code: 'SQLITE_IOERR_FSYNC' });
    expect(core.storage.state().problem).toMatch(/until firstlight is restarted/);
    expect(core.committer.stats).toMatchObject({ failures: 1, lastError: 'SQLITE_IOERR_FSYNC: EIO: i/o error, fsync' });
    expect(errors.join('\n')).toMatch(/cannot take writes/);
    const head = core.events.head();
    accept(core, 'c', acks);
    await turns();
    expect(acks).toHaveLength(3);
    expect(acks[2]?.message).toBe('EIO: i/o error, fsync');
    expect(core.events.head()).toBe(head);
  });
});
