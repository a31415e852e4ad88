// The floor under the gateway (`npm run bench -- --floor`): the least a durable gateway can do with
// the same load, in its own process. aedes with TCP_NODELAY; each motion message becomes one row in an
// indexed SQLite table (WAL), committed as soon as the previous commit ends; the light's /set goes out
// after the commit, with the bench rule's brightness (the room's count of motion messages, mod 256).
// No rules, no state, no lineage, acks as aedes sends them: what any design that writes SQLite on the
// event loop pays on this machine, measured in the same run as the gateway.
import { Aedes, type PublishPacket } from 'aedes';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { synchronous: { type: 'string', default: 'FULL' }, 'wal-autocheckpoint': { type: 'string', default: '1000' } } });
const synchronous = values.synchronous.toUpperCase();
const walAutocheckpoint = Number(values['wal-autocheckpoint']);
if (!['OFF', 'NORMAL', 'FULL'].includes(synchronous)) throw new Error(`--synchronous: "${values.synchronous}" must be OFF, NORMAL or FULL`);
if (!Number.isInteger(walAutocheckpoint) || walAutocheckpoint < 0) throw new Error(`--wal-autocheckpoint: "${values['wal-autocheckpoint']}" must be a whole number of pages (0: never)`);

const dir = mkdtempSync(join(tmpdir(), 'firstlight-floor-'));
const db = new Database(join(dir, 'log.db'));
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma(`wal_autocheckpoint = ${walAutocheckpoint}`);
db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, time INTEGER NOT NULL, type TEXT NOT NULL, stream TEXT NOT NULL, data TEXT NOT NULL);
         CREATE INDEX events_by_type ON events (type, position);
         CREATE INDEX events_by_stream ON events (stream, position);`);
const insert = db.prepare('INSERT INTO events (time, type, stream, data) VALUES (?, ?, ?, ?)');

interface Fact {
  room: string;
  data: string;
}
const appendAll = db.transaction((facts: Fact[]) => {
  const now = Date.now();
  for (const f of facts) insert.run(now, 'sensor.occupancy', f.room, f.data);
});

const broker = await Aedes.createBroker();
const counts = new Map<string, number>();
let pending: Fact[] = [];
let scheduled = false;

/** Commits what arrived since the last commit, then sends each fact's command. */
function commit(): void {
  scheduled = false;
  const facts = pending;
  pending = [];
  appendAll(facts);
  for (const f of facts) {
    const count = ((counts.get(f.room) ?? 0) + 1) % 256;
    counts.set(f.room, count);
    const command: PublishPacket = { cmd: 'publish', topic: `zigbee2mqtt/${f.room}/light/set`, payload: JSON.stringify({ state: 'ON', brightness: count }), qos: 0, retain: false, dup: false };
    broker.publish(command, () => {});
  }
}

// "zigbee2mqtt/<room>/motion" with {"occupancy": ...}: a fact for the room.
broker.on('publish', (packet, client) => {
  if (!client || !packet.topic.startsWith('zigbee2mqtt/') || !packet.topic.endsWith('/motion')) return;
  const data = packet.payload.toString();
  if ((JSON.parse(data) as { occupancy?: unknown }).occupancy === undefined) return;
  pending.push({ room: packet.topic.slice('zigbee2mqtt/'.length, -'/motion'.length), data });
  if (!scheduled) {
    scheduled = true;
    setImmediate(commit);
  }
});

const server = createServer({ noDelay: true }, broker.handle);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'durable floor started', mqtt: `mqtt://127.0.0.1:${port}`, synchronous, walAutocheckpoint })}\n`);
});
const stop = (): void => {
  server.close();
  broker.close(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
