/* Semihosting for the lx106 target: console, exit, arguments and the emulated clock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "semihost.h"

int lx106_simcall(int nr, int a, int b, int c, int* err)
{
	register int a2 __asm__("a2") = nr;
	register int a3 __asm__("a3") = a;
	register int a4 __asm__("a4") = b;
	register int a5 __asm__("a5") = c;
	__asm__ volatile ("simcall" : "+r"(a2), "+r"(a3) : "r"(a4), "r"(a5) : "memory");
	if (err)
		*err = a3;
	return a2;
}

/* ---------- console: stdout and stderr are the host's ---------- */


static int lx106_putc_err(char c, FILE* f) { (void)f; lx106_simcall(kSysWrite, 2, (int)&c, 1, 0); return (unsigned char)c; }

/* Buffered per line: one simcall per line rather than per character. */
static char gxOut[256];
static int gxOutCount = 0;
static int lx106_putc_line(char c, FILE* f)
{
	(void)f;
	gxOut[gxOutCount++] = c;
	if ((c == '\n') || (gxOutCount == (int)sizeof(gxOut))) {
		lx106_simcall(kSysWrite, 1, (int)gxOut, gxOutCount, 0);
		gxOutCount = 0;
	}
	return (unsigned char)c;
}
static int lx106_flush_out(FILE* f)
{
	(void)f;
	if (gxOutCount) {
		lx106_simcall(kSysWrite, 1, (int)gxOut, gxOutCount, 0);
		gxOutCount = 0;
	}
	return 0;
}
static FILE gxStdout = FDEV_SETUP_STREAM(lx106_putc_line, NULL, lx106_flush_out, _FDEV_SETUP_WRITE);
static FILE gxStderr = FDEV_SETUP_STREAM(lx106_putc_err, NULL, NULL, _FDEV_SETUP_WRITE);
FILE* const stdout = &gxStdout;
FILE* const stderr = &gxStderr;
FILE* const stdin = NULL;

void _exit(int code)
{
	lx106_flush_out(stdout);
	lx106_simcall(kSysExit, code, 0, 0, 0);
	for (;;) ;
}

/* ---------- clock ---------- */

#define kCyclesPerMicrosecond 40	/* QEMU's lx106 core counts CCOUNT at 40 MHz of emulated time */
static uint64_t gxCycles = 0;
static uint32_t gxLastCount = 0;
static uint64_t gxSleptUs = 0;

uint64_t lx106_now_us(void)
{
	uint32_t now;
	__asm__ volatile ("rsr %0, ccount" : "=r"(now));
	gxCycles += (uint32_t)(now - gxLastCount);
	gxLastCount = now;
	return (gxCycles / kCyclesPerMicrosecond) + gxSleptUs;
}

void lx106_sleep_ms(int ms) { if (ms > 0) gxSleptUs += (uint64_t)ms * 1000; }
void lx106_slept_ms(int ms) { lx106_sleep_ms(ms); }

int lx106_select(int fd, int what, int ms)
{
	struct { int sec, usec; } tv = { ms / 1000, (ms % 1000) * 1000 };
	int err;
	return lx106_simcall(kSysSelectOne, fd, what, (int)&tv, &err);
}

/* ---------- start: arguments from -semihosting-config arg=... ---------- */

extern int main(int argc, char* argv[]);
extern char __bss_start[], __bss_end[];

void lx106_cmain(void)
{
	static char* fallback[] = { "xsmqtt-lx106", NULL };
	char** argv = fallback;
	int argc = 1, size, i, j;
	char* p;
	for (p = __bss_start; p < __bss_end; p++)
		*p = 0;
	lx106_now_us();
	size = lx106_simcall(kSysArgvSize, 0, 0, 0, 0);
	if (size > 0) {
		argv = malloc(size + sizeof(char*));
		lx106_simcall(kSysArgv, (int)argv, 0, 0, 0);
		for (argc = 0; argv[argc]; argc++)
			;
	}
	/* our own options come first and are removed before main sees the rest:
	   --link DIR (the bridge's FIFO pair DIR/to_dev and DIR/from_dev) */
	for (i = 1, j = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--link") && (i + 1 < argc))
			lx106_link_configure(argv[++i]);
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	_exit(main(j, argv));
}

/* ---------- CPU exceptions (start.S) ---------- */

void lx106_fault(int cause, int epc1, int depc, int vaddr)
{
	lx106_flush_out(stdout);
	fprintf(stderr, "\nxsmqtt-lx106: CPU exception cause %d at pc %08x (depc %08x, address %08x)\n", cause, epc1, depc, vaddr);
	_exit(99);
}
