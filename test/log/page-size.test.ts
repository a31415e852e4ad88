// storage.pageSize: a new log takes it; an existing log keeps the page size it was created with.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../gateway/log/database.ts';
import { tempDir } from '../helpers/gateway-process.ts';

const dir = tempDir('firstlight-pagesize-');
afterEach(() => dir.remove());

const pageSize = (file: string, requested?: number): number => {
  const db = openDatabase({ file, pageSize: requested });
  try {
    db.prepare("INSERT OR IGNORE INTO events (id, source, type, time, data) VALUES ('a', 's', 't', '2026-01-01T00:00:00Z', '{}')").run();
    return db.pragma('page_size', { simple: true }) as number;
  } finally {
    db.close();
  }
};

describe('storage.pageSize', () => {
  it('sets the page size of a new log, in WAL mode', () => {
    const file = join(dir.path, 'new.db');
    expect(pageSize(file, 1024)).toBe(1024);
    const db = openDatabase({ file });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('gives a new log 1 KiB pages unless told otherwise (fewer bytes written per commit)', () => {
    expect(pageSize(join(dir.path, 'default.db'))).toBe(1024);
  });

  it('leaves an existing log at the page size it was created with', () => {
    const file = join(dir.path, 'old.db');
    expect(pageSize(file, 4096)).toBe(4096);
    expect(pageSize(file, 1024)).toBe(4096);
    expect(pageSize(file)).toBe(4096);
  });
});
