/* Platform header for XS on the ESP8266's lx106 CPU under QEMU's sim machine (bare metal,
   picolibc, one thread). The host runtime's program (targets/xs/main.c) is compiled against
   it unchanged: the POSIX calls it makes are provided by posix.c and link.c. */
#ifndef __LX106_PLATFORM__
#define __LX106_PLATFORM__

#undef mxLittleEndian
#define mxLittleEndian 1
#define mxExport extern
#define mxImport extern
#define XS_FUNCTION_NORETURN __attribute__((noreturn))

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <sys/time.h>
#include <arpa/inet.h>

#include "../xs/xsmqtt_machine.h"

#define C_PATH_MAX 256

/* lx106 traps on unaligned 16- and 32-bit loads: XS reads its byte code byte by byte */
#define mxUnalignedAccess 0
#define mxMisalignedSettersCrash 1
static inline uint16_t lx106_read16(const void* p) { const uint8_t* b = (const uint8_t*)p; return (uint16_t)(b[0] | (b[1] << 8)); }
static inline uint32_t lx106_read32(const void* p) { const uint8_t* b = (const uint8_t*)p; return b[0] | (b[1] << 8) | (b[2] << 16) | ((uint32_t)b[3] << 24); }
#define c_read16(P) lx106_read16(P)
#define c_read32(P) lx106_read32(P)
#define mxSeparator '/'

/* posix.c */
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC ((clockid_t)4)
extern int clock_gettime(clockid_t clock, struct timespec* ts);
#endif
extern char* realpath(const char* path, char* resolved);
extern int inet_pton(int af, const char* src, void* dst);

#endif /* __LX106_PLATFORM__ */
