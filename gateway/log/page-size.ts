// The page size of a log the gateway creates (storage.pageSize); apart so that the config needs no SQLite.

/**
 * 1 KiB pages, not SQLite's 4 KiB: a commit writes every page it touched in full, and acknowledging
 * each message at a building's rates means a commit per message touching about ten B-trees. Small
 * pages write ~2.2x fewer bytes per event (SD-card wear); the price is ~7% of the throughput at
 * saturation in `npm run bench` and a ~12% larger file (see docs/raspberry-pi.md).
 */
export const DEFAULT_PAGE_SIZE = 1024;

/** The page sizes storage.pageSize and `backup --page-size` accept. */
export const PAGE_SIZES = [1024, 2048, 4096, 8192] as const;
