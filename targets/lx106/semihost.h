/* QEMU's Xtensa semihosting (simcall: a2 = call number, a3..a5 = arguments; result in a2,
   errno in a3; open flags are the host's Linux values) and the emulated clock. */
#ifndef __LX106_SEMIHOST__
#define __LX106_SEMIHOST__
#include <stdint.h>

enum {
	kSysExit = 1, kSysRead = 3, kSysWrite = 4, kSysOpen = 5, kSysClose = 6, kSysLseek = 19,
	kSysSelectOne = 29, kSysArgc = 1000, kSysArgvSize = 1001, kSysArgv = 1002,
};
enum { kSelectRead = 1, kSelectWrite = 2 };
/* Linux open(2) flags, as the host expects them */
enum { kLinuxRead = 0, kLinuxWrite = 1, kLinuxReadWrite = 2, kLinuxCreate = 0x40, kLinuxTruncate = 0x200,
	kLinuxAppend = 0x400, kLinuxNonBlock = 0x800 };

int lx106_simcall(int nr, int a, int b, int c, int* err);
/* select_one(fd, kSelectRead/Write, ms): > 0 ready, 0 timed out */
int lx106_select(int fd, int what, int ms);

/* Emulated time in microseconds: the CPU's cycle counter (with -icount shift=0, a thousand
   guest instructions per microsecond) plus the time the guest spent waiting in select_one
   time-outs, so that timers fire in emulated time and the clock never depends on the host. */
uint64_t lx106_now_us(void);
void lx106_sleep_ms(int ms);	/* advance the clock without waiting (nothing to wait for) */
void lx106_slept_ms(int ms);	/* a select_one time-out of ms elapsed */

/* link.c: the FIFO pair given by --link DIR */
void lx106_link_configure(const char* dir);
int lx106_link_is_fd(int fd);
int lx106_link_close(int fd);
#endif
