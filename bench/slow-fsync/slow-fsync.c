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

static useconds_t delay_us(void) {
  const char *s = getenv("SLOW_FSYNC_US");
  return s ? (useconds_t)strtoul(s, NULL, 10) : 0;
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  int r = real(fd);
  usleep(delay_us());
  return r;
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  int r = real(fd);
  usleep(delay_us());
  return r;
}
