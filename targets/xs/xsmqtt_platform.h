/* Platform header for the host XS runtime (targets/xs): XS on Linux/macOS with no GUI
   toolkit, a memory budget of its own (see main.c) and a poll loop driven by main.c. */
#ifndef __XSMQTT_PLATFORM__
#define __XSMQTT_PLATFORM__

#if defined(__GNUC__)
	#undef mxLittleEndian
	#define mxLittleEndian 1
	#if defined(__linux__) || defined(linux)
		#undef mxLinux
		#define mxLinux 1
	#else
		#undef mxMacOSX
		#define mxMacOSX 1
	#endif
	#define mxExport extern
	#define mxImport extern
	#define XS_FUNCTION_NORETURN __attribute__((noreturn))
#else
	#error "targets/xs needs gcc or clang"
#endif

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#define mxUseGCCAtomics 1
#define mxUsePOSIXThreads 1

#include "xsmqtt_machine.h"

#if INTPTR_MAX == INT64_MAX
	#define mx32bitID 1
#endif

#endif /* __XSMQTT_PLATFORM__ */
