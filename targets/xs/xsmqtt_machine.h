/* What the runtime's program (main.c) is on every platform it is built for: included by each
   platform header (xsmqtt_platform.h on the host, ../lx106/lx106_platform.h on the lx106). */
#ifndef __XSMQTT_MACHINE__
#define __XSMQTT_MACHINE__

/* main.c provides machine creation, budgeted chunk and slot allocation, modules and abort. */
#define mxUseDefaultBuildKeys 1
#define mxUseDefaultParseScript 1
#define mxUseDefaultSharedChunks 1
#define mxUseDefaultDebug 1

#define mxMachinePlatform \
	int promiseJobs; \
	void* host; \
	void* waiterCondition; \
	void* waiterData; \
	void* waiterLink;

#define mxCESU8 1

/* Sockets open at once: main.c's table, and on the lx106 the link's (link.c), which must be
   as many, since main.c hands link.c's socket numbers through. */
#define kSockets 16

#endif /* __XSMQTT_MACHINE__ */
