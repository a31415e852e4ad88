// The floor under the gateway (`npm run bench -- --floor`): the least a durable gateway can do with
// the same load, in its own process. aedes with TCP_NODELAY; each motion message becomes one row in an
// indexed SQLite table (WAL), committed as soon as the previous commit ends; the light's /set goes out
// after the commit, with the bench rule's brightness (the room's count of motion messages, mod 256).
// No rules, no state, no lineage, acks as aedes sends them: what durability alone costs on this
// machine, measured in the same run as the gateway. The commits run on the event loop (as the
// gateway's do) or on a thread of their own (--floor-writer thread).
import type { PublishPacket } from 'aedes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { serveBroker } from '../broker-child.ts';
import { openFloorLog, type Fact, type FloorSettings } from './floor-log.ts';

// The bench validated these (bench/options.ts, --floor-*) and passes them as one JSON argument.
const DEFAULTS: FloorSettings = { synchronous: 'FULL', walAutocheckpoint: 1000, writer: 'main' };
const settings = process.argv[2] ? (JSON.parse(process.argv[2]) as FloorSettings) : DEFAULTS;
const dir = mkdtempSync(join(tmpdir(), 'firstlight-floor-'));

/** Commits a batch, then calls `done`; one batch at a time. */
type Committer = { commit(facts: Fact[], done: () => void): void; close(): Promise<void> };

function onEventLoop(): Committer {
  const log = openFloorLog(dir, settings);
  return {
    commit(facts, done) {
      log.commit(facts);
      done();
    },
    close: async () => log.close(),
  };
}

function onWriterThread(): Committer {
  // A worker does not take --import tsx from its parent: it loads tsx's API, then the TypeScript file.
  const entry = new URL('./writer-thread.ts', import.meta.url).href;
  const bootstrap = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { dir, storage: settings } });
  let waiting: (() => void) | undefined;
  worker.on('message', () => {
    const done = waiting!;
    waiting = undefined;
    done();
  });
  worker.on('error', (err) => {
    process.stderr.write(`floor writer thread failed: ${err.stack ?? err.message}\n`);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  });
  return {
    commit(facts, done) {
      waiting = done;
      worker.postMessage(facts);
    },
    close: () =>
      new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        worker.postMessage('close');
      }),
  };
}

const committer = settings.writer === 'thread' ? onWriterThread() : onEventLoop();
const broker = await serveBroker('durable floor started', { ...settings }, async () => {
  await committer.close();
  rmSync(dir, { recursive: true, force: true });
});
const counts = new Map<string, number>();
let pending: Fact[] = [];
let committing = false;
let scheduled = false;

/** Commits what arrived since the last commit began, then sends each fact's command. */
function commitPending(): void {
  scheduled = false;
  if (committing || pending.length === 0) return;
  const facts = pending;
  pending = [];
  committing = true;
  committer.commit(facts, () => {
    committing = false;
    for (const f of facts) {
      const count = ((counts.get(f.room) ?? 0) + 1) % 256;
      counts.set(f.room, count);
      const command: PublishPacket = { cmd: 'publish', topic: `zigbee2mqtt/${f.room}/light/set`, payload: JSON.stringify({ state: 'ON', brightness: count }), qos: 0, retain: false, dup: false };
      broker.publish(command, () => {});
    }
    commitPending();
  });
}

// "zigbee2mqtt/<room>/motion" with {"occupancy": ...}: a fact for the room.
broker.on('publish', (packet, client) => {
  if (!client || !packet.topic.startsWith('zigbee2mqtt/') || !packet.topic.endsWith('/motion')) return;
  const data = packet.payload.toString();
  if ((JSON.parse(data) as { occupancy?: unknown }).occupancy === undefined) return;
  pending.push({ room: packet.topic.slice('zigbee2mqtt/'.length, -'/motion'.length), data });
  if (!scheduled) {
    scheduled = true;
    setImmediate(commitPending);
  }
});
