// Issue 3's figures: what 100,000 pending timers cost (memory, idle CPU), and how fast the rule test
// kit runs a simulated day of a 20-room building. Run: npm run bench:rules
import { fileURLToPath } from 'node:url';
import { createTestGateway, SimulatedClock } from '../../gateway/sdk/testing.ts';

const RULES = fileURLToPath(new URL('../../rules/', import.meta.url));
const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);

async function pendingTimers(count: number): Promise<Record<string, string>> {
  const gw = await createTestGateway({ rules: RULES });
  global.gc?.();
  const before = process.memoryUsage();
  const now = gw.clock.now();
  const insert = gw.core.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      gw.core.ruleStore.setTimer({ rule: 'room-presence', key: `room-${i}`, name: 'vacancy', due_at: now + 86_400_000 + i, data: null, set_by: `e${i}`, correlationid: null });
    }
  });
  insert();
  gw.core.scheduler.rearm();
  global.gc?.();
  const after = process.memoryUsage();
  // Idle: nothing happens for 3 s of real time; the scheduler holds one clock timer for the earliest.
  const cpu0 = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const cpu = process.cpuUsage(cpu0);
  const pending = gw.core.ruleStore.pendingTimers().length;
  await gw.close();
  return {
    'pending timers': String(pending),
    'JS heap growth (MB)': mb(after.heapUsed - before.heapUsed),
    'RSS growth (MB)': mb(after.rss - before.rss),
    'CPU while idle for 3 s (ms)': ((cpu.user + cpu.system) / 1000).toFixed(1),
  };
}

async function simulatedDay(rooms: number): Promise<Record<string, string>> {
  const devices = [];
  for (let r = 0; r < rooms; r++) {
    devices.push({ name: `room${r}/motion`, room: `room${r}`, kinds: ['occupancy' as const] }, { name: `room${r}/light`, room: `room${r}`, kinds: ['light' as const] });
  }
  const clock = new SimulatedClock(Date.UTC(2026, 2, 2, 0, 0, 0));
  const gw = await createTestGateway({ rules: RULES, devices, clock });
  const started = performance.now();
  let facts = 0;
  // Every 15 minutes from 07:00 to 23:00, each room is visited with a probability that depends on
  // the room (a fixed pattern, so runs compare); a visit is presence, then no presence 2 minutes later.
  for (let minute = 0; minute < 24 * 60; minute += 15) {
    const day = minute >= 7 * 60 && minute < 23 * 60;
    for (let r = 0; r < rooms && day; r++) {
      if ((minute / 15 + r * 7) % 3 !== 0) continue;
      await gw.fact('sensor.occupancy', { device: `room${r}/motion`, occupied: true });
      facts++;
    }
    await gw.advance('2m');
    for (let r = 0; r < rooms && day; r++) {
      if ((minute / 15 + r * 7) % 3 !== 0) continue;
      await gw.fact('sensor.occupancy', { device: `room${r}/motion`, occupied: false });
      facts++;
    }
    await gw.advance('13m');
  }
  const ms = performance.now() - started;
  const result = {
    rooms: String(rooms),
    'facts fed': String(facts),
    'events in the log': String(gw.core.events.head()),
    'light commands': String(gw.sent.length),
    'wall time for the day (ms)': ms.toFixed(0),
  };
  await gw.close();
  return result;
}

const print = (title: string, rows: Record<string, string>): void => {
  console.log(`\n${title}`);
  for (const [k, v] of Object.entries(rows)) console.log(`  ${k.padEnd(30)} ${v}`);
};
print('100,000 pending timers (node --expose-gc)', await pendingTimers(100_000));
print('test kit: a simulated day of a 20-room building (flagship rules)', await simulatedDay(20));
