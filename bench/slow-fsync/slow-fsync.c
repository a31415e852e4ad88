/*
 * Makes every fsync and fdatasync of the process it is preloaded into take longer (SLOW_FSYNC_US
 * microseconds more, after the real call), to see how the gateway fares on storage whose fsync is
 * slow, such as a Raspberry Pi's SD card, on a machine whose disk is fast. Used by the bench's
 * --fsync-delay option (bench/slow-fsync/build.ts compiles it); SQLite's fsyncs and Node's fs.fsync
 * both go through these two libc functions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

typedef int (*sync_fn)(int);

/** Calls libc's `name` (looked up once into *real), then waits the delay (read once). */
static int slowed(const char *name, sync_fn *real, int fd) {
  static long delay_us = -1;
  if (delay_us < 0) {
    const char *s = getenv("SLOW_FSYNC_US");
    delay_us = s ? strtol(s, NULL, 10) : 0;
  }
  if (!*real) *real = (sync_fn)dlsym(RTLD_NEXT, name);
  int r = (*real)(fd);
  if (delay_us > 0) usleep((useconds_t)delay_us);
  return r;
}

int fsync(int fd) {
  static sync_fn real;
  return slowed("fsync", &real, fd);
}

int fdatasync(int fd) {
  static sync_fn real;
  return slowed("fdatasync", &real, fd);
}
