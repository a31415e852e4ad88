// The WAL is copied into the database file once storage.checkpointInterval has passed, or sooner
// when many events wait. (That an idle gateway writes nothing is measured by npm run bench:footprint.)
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../gateway/clock.ts';
import { startCheckpointer, type Checkpointer } from '../../gateway/log/checkpointer.ts';
import { openDatabase, type Db } from '../../gateway/log/database.ts';
import { tempDir } from '../helpers/gateway-process.ts';

const dir = tempDir('firstlight-checkpoint-');
let db: Db | undefined;
let checkpointer: Checkpointer | undefined;
afterEach(() => {
  checkpointer?.stop();
  db?.close();
  dir.remove();
});

function setup(): { file: string; clock: SimulatedClock; commit: (events: number) => void; errors: unknown[] } {
  const file = join(dir.path, 'firstlight.db');
  db = openDatabase({ file });
  const clock = new SimulatedClock();
  const errors: unknown[] = [];
  let committed = 0;
  let n = 0;
  // Rows large enough that each commit adds pages the database file does not have yet.
  const insert = db.prepare("INSERT INTO events (id, source, type, time, data) VALUES (?, 's', 't', '2026-01-01T00:00:00Z', ?)");
  const commit = (events: number): void => {
    insert.run(`e${n++}`, JSON.stringify({ pad: 'x'.repeat(16_384) }));
    committed += events;
  };
  checkpointer = startCheckpointer(db, clock, { intervalMs: 10_000, eventsCommitted: () => committed }, (err) => errors.push(err));
  return { file, clock, commit, errors };
}

const fileSize = (file: string): number => statSync(file).size;

describe('the checkpointer', () => {
  it('leaves commits in the WAL until checkpointInterval has passed, then copies them into the file', async () => {
    const { file, clock, commit, errors } = setup();
    commit(1);
    const before = fileSize(file);
    await clock.advance(9_000);
    expect(fileSize(file)).toBe(before);
    await clock.advance(1_000);
    expect(fileSize(file)).toBeGreaterThan(before + 16_384);
    expect(errors).toEqual([]);
  });

  it('checkpoints at its next look, within a second, once 1,000 events are waiting', async () => {
    const { file, clock, commit } = setup();
    await clock.advance(10_000);
    commit(999);
    const before = fileSize(file);
    await clock.advance(1_000);
    expect(fileSize(file)).toBe(before);
    commit(1);
    await clock.advance(1_000);
    expect(fileSize(file)).toBeGreaterThan(before + 16_384);
  });
});
