// The durable floor's writer thread (--floor-writer thread): commits each batch the event loop posts
// and answers with its size, so the event loop never waits on SQLite or its fsync.
import { parentPort, workerData } from 'node:worker_threads';
import { openFloorLog, type Fact, type FloorStorage } from './floor-log.ts';

const { dir, storage } = workerData as { dir: string; storage: FloorStorage };
const log = openFloorLog(dir, storage);
parentPort!.on('message', (facts: Fact[] | 'close') => {
  if (facts === 'close') {
    log.close();
    parentPort!.close();
    return;
  }
  log.commit(facts);
  parentPort!.postMessage(facts.length);
});
