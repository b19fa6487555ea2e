/* xsmqtt-xs: the host XS runtime. XS 13.3 with a device-like memory profile, memory
   statistics for JavaScript, the Moddable module specifiers a device has ("timer",
   "embedded:io/socket/tcp") over real sockets and an epoll/poll loop, print to stdout.

   usage: xsmqtt-xs [--profile host|esp32|esp8266] [--stack slots] [--stats] [--config name=value]...
                    [--flash partition=file]... [--flash-cut bytes] [--preload preloaded.js]... bundle.js

   --flash backs Moddable's `flash` module's partition with a file (its size the partition's,
   4096-byte blocks; writes only clear bits, as on NOR flash). --flash-cut N: the power goes
   once N bytes have been written or erased: the write under way keeps its first bytes only
   and the process exits at once with status 5.

   Without --preload the whole bundle is loaded before the budget applies (free, as if preloaded).
   With it, the --preload modules are loaded first and free (a device's preloaded modules, in
   flash); bundle.js (the app's main module and what the device does not preload, importing the
   preloaded part by path) is instantiated after the budget applies, so that it is charged.

   Exit status: 0 when nothing is left to run, the code given to __xsHost.exit(code),
   1 for an uncaught exception or a rejected module, 3 for memory full (a clean report on
   stderr), 4 for a stack overflow, 5 for a --flash-cut power cut, 2 for a usage error. */

#include "xsAll.h"
#include "xsScript.h"
#include "xs.h"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xs_modules.h"

/* from XS's own sources, not declared in its headers */

/* The bytes of an ArrayBuffer or of any typed array or DataView over one (length-tracking
   views of resizable buffers included): no allocation. */
static uint8_t* xsmqttGetBuffer(txMachine* the, txSlot* slot, txUnsigned* count)
{
	txSlot* instance;
	txSlot* internal;
	if (slot->kind != XS_REFERENCE_KIND)
		goto bail;
	instance = slot->value.reference;
	internal = instance->next;
	if (!internal || !(internal->flag & XS_INTERNAL_FLAG))
		goto bail;
	if (internal->kind == XS_ARRAY_BUFFER_KIND) {
		if (internal->value.arrayBuffer.address == C_NULL)
			mxTypeError("detached buffer");
		*count = internal->next->value.bufferInfo.length;
		return (uint8_t*)internal->value.arrayBuffer.address;
	}
	if ((internal->kind == XS_TYPED_ARRAY_KIND) || (internal->kind == XS_DATA_VIEW_KIND)) {
		txSlot* view = (internal->kind == XS_TYPED_ARRAY_KIND) ? internal->next : internal;
		txSlot* buffer = view->next;
		txSlot* arrayBuffer = buffer->value.reference->next;
		txSlot* bufferInfo = arrayBuffer->next;
		txInteger offset = view->value.dataView.offset;
		txInteger size = view->value.dataView.size;
		if (arrayBuffer->value.arrayBuffer.address == C_NULL)
			mxTypeError("detached buffer");
		if (bufferInfo->value.bufferInfo.maxLength >= 0) {
			txInteger byteLength = bufferInfo->value.bufferInfo.length;
			if (offset > byteLength)
				mxTypeError("out of bounds view");
			if (size < 0)
				size = byteLength - offset;
			else if (offset + size > byteLength)
				mxTypeError("out of bounds view");
		}
		*count = (txUnsigned)size;
		return (uint8_t*)arrayBuffer->value.arrayBuffer.address + offset;
	}
bail:
	mxTypeError("not a buffer");
	return C_NULL;
}

/* ---------- memory profile ---------- */

typedef struct {
	const char* name;
	txSize stackCount;		/* XS stack, in slots */
	size_t heapBudget;		/* bytes for the application beyond the loaded program: slots (at the
							   device's 16 bytes each) and chunks together, split as it needs */
	int growth;				/* 1: grow in steps up to the budget; 0: fixed heap */
	int sendBuffer;			/* lwIP TCP_SND_BUF of the device: what onWritable reports */
} txProfile;

/* On a device the built-ins and the preloaded modules live in flash; what the application
   allocates comes out of one block (Moddable's creation.static) that XS splits between slots and
   chunks as it needs them. ESP8266: 32 KiB for slots and chunks beyond the stack, fixed
   (Moddable's default static block is 32 KiB with the stack in it, which the example app and
   targets/esp8266/suite fit).
   ESP32: 256 KiB, grown in steps. */
#define kDeviceSlot 16
static const txProfile gxProfiles[] = {
	{ "host", 1024, (size_t)1 << 30, 1, 65536 },
	{ "esp32", 512, 256 * 1024, 1, 5744 },
	{ "esp8266", 256, 32 * 1024, 0, 2920 },
};
static const txProfile* gxProfile = &gxProfiles[0];
static txSize gxStackCount = 0;			/* the profile's stack, or --stack N */
static txSlot* gxDeviceStackTop = C_NULL;	/* where a device's stack would start (see main) */

static size_t gxChunkBytesAllocated = 0;	/* blocks obtained by XS for chunks */
static size_t gxSlotsAllocated = 0;			/* slots obtained by XS */
/* Once the program is loaded: what XS had obtained then, and the device bytes it may obtain
   beyond that (the budget less the free space it already held). Before: no limit. */
static int gxBudgeted = 0;
static size_t gxChunkBase = 0, gxSlotBase = 0, gxGrowthLimit = 0, gxHeld = 0;

/* Would obtaining `slots` more slots and `chunks` more chunk bytes exceed the budget? */
static int xsmqttOverBudget(size_t slots, size_t chunks)
{
	size_t grown;
	if (!gxBudgeted)
		return 0;
	grown = (gxSlotsAllocated + slots - gxSlotBase) * kDeviceSlot + (gxChunkBytesAllocated + chunks - gxChunkBase);
	return grown > gxGrowthLimit;
}

/* A fixed profile's chunks come from one region, in order, as on a device where they grow in
   one static block: XS joins a block that starts where the last one ends, so the application's
   chunks are one block and its free space is never split between blocks. */
static uint8_t* gxChunkArena = C_NULL;
static size_t gxChunkArenaSize = 0, gxChunkArenaUsed = 0;

void* fxAllocateChunks(txMachine* the, txSize size)
{
	void* p;
	if (xsmqttOverBudget(0, (size_t)size))
		return C_NULL;
	if (gxChunkArena) {
		if (gxChunkArenaUsed + (size_t)size > gxChunkArenaSize)
			return C_NULL;
		p = gxChunkArena + gxChunkArenaUsed;
		gxChunkArenaUsed += (size_t)size;
	}
	else
		p = c_malloc(size);
	if (p)
		gxChunkBytesAllocated += size;
	return p;
}

void fxFreeChunks(txMachine* the, void* chunks)
{
	if (gxChunkArena && ((uint8_t*)chunks >= gxChunkArena) && ((uint8_t*)chunks < gxChunkArena + gxChunkArenaSize))
		return;		/* freed with the region, when the process ends */
	c_free(chunks);
}

txSlot* fxAllocateSlots(txMachine* the, txSize count)
{
	txSlot* p;
	if (xsmqttOverBudget((size_t)count, 0))
		return C_NULL;
	p = (txSlot*)c_malloc(count * sizeof(txSlot));
	if (p)
		gxSlotsAllocated += count;
	return p;
}

void fxFreeSlots(txMachine* the, void* slots)
{
	c_free(slots);
}

static void xsmqttReportMemory(txMachine* the, FILE* f)
{
	fprintf(f, "# xs memory: profile %s, slots %ld live / %ld peak / %ld reserved (%d bytes each), "
		"chunks %ld used / %ld peak / %ld reserved bytes, collections %u\n",
		gxProfile->name, (long)the->currentHeapCount, (long)the->peakHeapCount, (long)the->maximumHeapCount,
		(int)sizeof(txSlot), (long)the->currentChunksSize, (long)the->peakChunksSize,
		(long)the->maximumChunksSize, (unsigned)the->garbageCollectionCount);
	if (gxBudgeted) {
		/* XS never gives slots or chunks back: what it obtained is the application's high-water */
		size_t slots = gxSlotsAllocated - gxSlotBase, chunks = gxChunkBytesAllocated - gxChunkBase;
		fprintf(f, "# xs budget: profile %s, application high-water %ld of %ld bytes (%ld slots x %d + %ld chunk bytes + %ld held at start)\n",
			gxProfile->name, (long)(gxHeld + slots * kDeviceSlot + chunks), (long)gxProfile->heapBudget, (long)slots, kDeviceSlot, (long)chunks, (long)gxHeld);
	}
}

/* The JavaScript calls on the stack, innermost first, each with the stack depth (in slots, as on
   a device) at its frame: where a stack overflow came from. */
static void xsmqttReportFrames(txMachine* the, FILE* f)
{
	txSlot* top = gxDeviceStackTop ? gxDeviceStackTop : the->stackTop;
	txSlot* frame = the->frame;
	int n = 0;
	while (frame && (n < 64)) {
		char name[128];
		name[0] = 0;
		fxBufferFrameName(the, name, sizeof(name), frame, "");
		fprintf(f, "#   at %4ld slots: %s\n", (long)(top - frame), name[0] ? name : "(anonymous)");
		frame = frame->next;
		n++;
	}
}

void fxAbort(txMachine* the, int status)
{
	fflush(stdout);
	switch (status) {
	case XS_NOT_ENOUGH_MEMORY_EXIT:
		fprintf(stderr, "xsmqtt-xs: out of memory (profile %s)\n", gxProfile->name);
		xsmqttReportMemory(the, stderr);
		exit(3);
	case XS_STACK_OVERFLOW_EXIT:
		fprintf(stderr, "xsmqtt-xs: stack overflow (profile %s, %ld stack slots)\n", gxProfile->name, (long)gxStackCount);
		xsmqttReportFrames(the, stderr);
		exit(4);
	case XS_NO_MORE_KEYS_EXIT:
		fprintf(stderr, "xsmqtt-xs: not enough keys\n");
		exit(3);
	case XS_UNHANDLED_EXCEPTION_EXIT:
		fprintf(stderr, "xsmqtt-xs: unhandled exception\n");
		exit(1);
	case XS_UNHANDLED_REJECTION_EXIT:
		fprintf(stderr, "xsmqtt-xs: unhandled rejection\n");
		exit(1);
	default:
		fprintf(stderr, "xsmqtt-xs: abort %d\n", status);
		exit(1);
	}
}

void fxCreateMachinePlatform(txMachine* the)
{
	the->promiseJobs = 0;
	the->host = C_NULL;
}

void fxDeleteMachinePlatform(txMachine* the)
{
}

void fxQueuePromiseJobs(txMachine* the)
{
	the->promiseJobs = 1;
}

/* ---------- time ---------- */

static double xsmqttNow(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000.0) + ((double)ts.tv_nsec / 1000000.0);
}

/* ---------- modules ---------- */

static const char* xsmqttHostModule(const char* name)
{
	int i;
	for (i = 0; gxHostModules[i].specifier; i++) {
		if (!c_strcmp(gxHostModules[i].specifier, name))
			return gxHostModules[i].source;
	}
	return C_NULL;
}

txID fxFindModule(txMachine* the, txSlot* realm, txID moduleID, txSlot* slot)
{
	char name[C_PATH_MAX];
	char path[C_PATH_MAX];
	char real[C_PATH_MAX];
	txInteger dot = 0;
	txString slash;
	fxToStringBuffer(the, slot, name, sizeof(name));
	if (xsmqttHostModule(name))
		return fxNewNameC(the, name);
	if (name[0] == '.') {
		if (name[1] == '/')
			dot = 1;
		else if ((name[1] == '.') && (name[2] == '/'))
			dot = 2;
	}
	if (dot) {
		if (moduleID == XS_NO_ID)
			return XS_NO_ID;
		c_strncpy(path, fxGetKeyName(the, moduleID), C_PATH_MAX - 1);
		path[C_PATH_MAX - 1] = 0;
		slash = c_strrchr(path, '/');
		if (!slash)
			return XS_NO_ID;
		if (dot == 2) {
			*slash = 0;
			slash = c_strrchr(path, '/');
			if (!slash)
				return XS_NO_ID;
		}
		slash[1] = 0;
		if ((c_strlen(path) + c_strlen(name)) >= sizeof(path))
			mxRangeError("path too long");
		c_strcat(path, name + (dot == 1 ? 2 : 3));
	}
	else if (name[0] == '/')
		c_strcpy(path, name);
	else
		return XS_NO_ID;	/* a bare specifier that the device does not have */
	if (!c_realpath(path, real))
		return XS_NO_ID;
	return fxNewNameC(the, real);
}

static txScript* xsmqttParseFile(txMachine* the, txString path, txUnsigned flags)
{
	txParser _parser;
	txParser* parser = &_parser;
	txParserJump jump;
	FILE* file = NULL;
	txScript* script = NULL;
	fxInitializeParser(parser, the, the->parserBufferSize, the->parserTableModulo);
	parser->firstJump = &jump;
	file = fopen(path, "r");
	if (c_setjmp(jump.jmp_buf) == 0) {
		mxParserThrowElse(file);
		parser->path = fxNewParserSymbol(parser, path);
		fxParserTree(parser, file, (txGetter)fgetc, flags, NULL);
		fclose(file);
		file = NULL;
		fxParserHoist(parser);
		fxParserBind(parser);
		script = fxParserCode(parser);
	}
	if (file)
		fclose(file);
	fxTerminateParser(parser);
	return script;
}

static txScript* xsmqttParseString(txMachine* the, txString path, const char* source, txUnsigned flags)
{
	txParser _parser;
	txParser* parser = &_parser;
	txParserJump jump;
	txStringCStream stream;
	txScript* script = NULL;
	stream.buffer = (char*)source;
	stream.offset = 0;
	stream.size = (txSize)c_strlen(source);
	fxInitializeParser(parser, the, the->parserBufferSize, the->parserTableModulo);
	parser->firstJump = &jump;
	if (c_setjmp(jump.jmp_buf) == 0) {
		parser->path = fxNewParserSymbol(parser, path);
		fxParserTree(parser, &stream, fxStringCGetter, flags, NULL);
		fxParserHoist(parser);
		fxParserBind(parser);
		script = fxParserCode(parser);
	}
	fxTerminateParser(parser);
	return script;
}

/* The bundle loaded after the budget, parsed before it (see xsmqttPrepareScript). */
static const char* gxDeferredPath = C_NULL;
static txScript* gxDeferredScript = C_NULL;

/* A device's modules are compiled at build time: their names are in the flash key table and
   their functions' byte code stays in flash (XS_CODE_CODE_ARCHIVE: no copy in RAM). So a module
   loaded after the budget gets its names and its IDs mapped beforehand, and its functions point
   at its code (kept alive: never deleted) instead of copying it into chunks; only its
   instantiation, as on a device, is charged. The walk is fxRemapIDs's. */
static void xsmqttPrepareScript(txMachine* the, txScript* script)
{
	const txS1* sizes = gxCodeSizes;
	txByte* p = script->codeBuffer;
	txByte* q = p + script->codeSize;
	txID* ids = C_NULL;
	txID id;
	if (script->symbolsBuffer) {
		txByte* s = script->symbolsBuffer;
		txID c, i;
		mxDecodeID(s, c);
		ids = c_malloc(c * sizeof(txID));
		if (!ids)
			fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
		ids[0] = XS_NO_ID;
		for (i = 1; i < c; i++) {
			ids[i] = fxNewNameC(the, (txString)s);
			s += mxStringLength((char*)s) + 1;
		}
		c_free(script->symbolsBuffer);
		script->symbolsBuffer = C_NULL;
	}
	while (p < q) {
		txU1 op = *((txU1*)p);
		txS1 offset = sizes[op];
		if ((op == XS_CODE_CODE_1) || (op == XS_CODE_CODE_2) || (op == XS_CODE_CODE_4))
			*((txU1*)p) = (txU1)(op - XS_CODE_CODE_1 + XS_CODE_CODE_ARCHIVE_1);
		if (0 < offset)
			p += offset;
		else if (0 == offset) {
			p++;
			mxDecodeID(p, id);
			if ((id != XS_NO_ID) && ids) {
				id = ids[id];
				p -= sizeof(txID);
				mxEncodeID(p, id);
			}
		}
		else if (-1 == offset) {
			txU1 index;
			p++;
			index = *((txU1*)p);
			p += 1 + index;
		}
		else if (-2 == offset) {
			txU2 index;
			p++;
			mxDecode2(p, index);
			p += index;
		}
		else if (-4 == offset) {
			txS4 index;
			p++;
			mxDecode4(p, index);
			p += index;
		}
	}
	if (ids)
		c_free(ids);
}

void fxLoadModule(txMachine* the, txSlot* module, txID moduleID)
{
	txString path = fxGetKeyName(the, moduleID);
	const char* source = xsmqttHostModule(path);
	txScript* script;
	if (gxDeferredScript && !c_strcmp(path, gxDeferredPath)) {
		script = gxDeferredScript;
		gxDeferredScript = C_NULL;
	}
	else if (source)
		script = xsmqttParseString(the, path, source, mxDebugFlag);
	else
		script = xsmqttParseFile(the, path, mxDebugFlag);
	if (script)
		fxResolveModule(the, module, moduleID, script, C_NULL, C_NULL);
}

/* ---------- globals: print, trace, gc, memoryStats ---------- */

static void xsmqttWriteArgs(txMachine* the, int newline)
{
	xsIntegerValue i, c = xsToInteger(xsArgc);
	for (i = 0; i < c; i++) {
		if (i)
			fputc(' ', stdout);
		fputs(xsToString(xsArg(i)), stdout);
	}
	if (newline)
		fputc('\n', stdout);
	fflush(stdout);
}

static void xs_print(txMachine* the) { xsmqttWriteArgs(the, 1); }
static void xs_trace(txMachine* the) { xsmqttWriteArgs(the, 0); }
static void xs_gc(txMachine* the) { xsCollectGarbage(); }

/* memoryStats(Float64Array(8)): [live slots (exact after gc(); between collections it also
   counts every slot allocated since the last one), chunk bytes in use, peak slots, peak chunk
   bytes, collections, slot size in bytes, slots reserved, chunk bytes reserved]. Allocates
   nothing. */
static void xs_memoryStats(txMachine* the)
{
	txUnsigned count;
	double* p = (double*)xsmqttGetBuffer(the, &xsArg(0), &count);
	if (count < 8 * sizeof(double))
		xsRangeError("memoryStats needs a Float64Array(8)");
	p[0] = the->currentHeapCount;
	p[1] = the->currentChunksSize;
	p[2] = the->peakHeapCount;
	p[3] = the->peakChunksSize;
	p[4] = the->garbageCollectionCount;
	p[5] = sizeof(txSlot);
	p[6] = the->maximumHeapCount;
	p[7] = the->maximumChunksSize;
}

/* ---------- sockets ---------- */

enum { kReadable = 1, kWritable = 2, kError = 4 };

typedef struct {
	int fd;
	int connecting;
	int ready;
	int eof;			/* peer closed or socket failed: error after the data is read */
	int errorSent;
	int triggered;
	int known;			/* bytes the application was told of and has not read yet */
	uint8_t* queue;		/* the device's send buffer: write() copies here, the loop flushes */
	int queued;
} txSocket;

static txSocket gxSockets[kSockets];
/* Per socket handle h: entries 4h (the socket), 4h+1 onReadable, 4h+2 onWritable, 4h+3 onError,
   filled by the tcp module; the callbacks are called from here with the socket as `this`, as
   Moddable's lwIP sockets call them (no JavaScript in between). */
static txSlot gxSocketTable;
static txSlot gxTimerTable;		/* [due(now) -> the next due timer or undefined, soonest() -> ms or -1] */
static double gxNextTimer = -1;		/* absolute ms, -1 none */
static int gxExitRequested = -1;

static int xsmqttSocketHandle(txMachine* the, txSlot* slot)
{
	int h = fxToInteger(the, slot);
	if ((h < 0) || (h >= kSockets) || (gxSockets[h].fd < 0))
		xsUnknownError("closed socket");
	return h;
}

static int xsmqttAvailable(txSocket* s)
{
	int n = 0;
	if (s->fd < 0 || ioctl(s->fd, FIONREAD, &n) < 0)
		return 0;
	return n;
}

static void xsmqttFlush(txSocket* s)
{
	while (s->queued > 0) {
		ssize_t n = send(s->fd, s->queue, s->queued, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			memmove(s->queue, s->queue + n, s->queued - n);
			s->queued -= (int)n;
			s->triggered |= kWritable;
		}
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		else {
			s->eof = 1;
			s->ready = 0;
			s->queued = 0;
			break;
		}
	}
}

static void xs_tcpConnect(txMachine* the)
{
	char address[64];
	int port = xsToInteger(xsArg(1));
	int h, fd, one = 1;
	struct sockaddr_storage ss;
	socklen_t len;
	xsToStringBuffer(xsArg(0), address, sizeof(address));
	if ((port < 0) || (port > 65535))
		xsRangeError("invalid port");
	c_memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, address, &((struct sockaddr_in*)&ss)->sin_addr) == 1) {
		((struct sockaddr_in*)&ss)->sin_family = AF_INET;
		((struct sockaddr_in*)&ss)->sin_port = htons(port);
		len = sizeof(struct sockaddr_in);
	}
	else if (inet_pton(AF_INET6, address, &((struct sockaddr_in6*)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6*)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6*)&ss)->sin6_port = htons(port);
		len = sizeof(struct sockaddr_in6);
	}
	else
		xsUnknownError("invalid address");
	for (h = 0; h < kSockets; h++)
		if (gxSockets[h].fd < 0)
			break;
	if (h == kSockets)
		xsRangeError("no socket");
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		xsRangeError("no socket");
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	gxSockets[h].fd = fd;
	gxSockets[h].connecting = 1;
	gxSockets[h].ready = 0;
	gxSockets[h].eof = 0;
	gxSockets[h].errorSent = 0;
	gxSockets[h].triggered = 0;
	gxSockets[h].known = 0;
	gxSockets[h].queued = 0;
	if (!gxSockets[h].queue)
		gxSockets[h].queue = c_malloc(gxProfile->sendBuffer);
	if (connect(fd, (struct sockaddr*)&ss, len) < 0 && errno != EINPROGRESS) {
		gxSockets[h].connecting = 0;
		gxSockets[h].eof = 1;
		gxSockets[h].triggered |= kError;
	}
	xsResult = xsInteger(h);
}

/* tcpRead(handle, buffer | count | undefined): Moddable's lwIP semantics. With a buffer it
   reads exactly buffer.byteLength bytes and returns that count; with a count or nothing it
   allocates an ArrayBuffer. Reading more than is available throws; nothing available returns
   undefined. */
static void xs_tcpRead(txMachine* the)
{
	txSocket* s = &gxSockets[xsmqttSocketHandle(the, &xsArg(0))];
	int available = xsmqttAvailable(s);
	int requested;
	uint8_t* out;
	txUnsigned count;
	if (!available)
		return;
	if (xsTypeOf(xsArg(1)) == xsReferenceType) {
		out = xsmqttGetBuffer(the, &xsArg(1), &count);
		requested = (int)count;
		if ((requested <= 0) || (requested > available))
			xsUnknownError("invalid");
		xsResult = xsInteger(requested);
	}
	else {
		requested = (xsTypeOf(xsArg(1)) == xsUndefinedType) ? available : xsToInteger(xsArg(1));
		if ((requested <= 0) || (requested > available))
			xsUnknownError("invalid");
		xsResult = xsArrayBuffer(NULL, requested);
		out = xsToArrayBuffer(xsResult);
	}
	while (requested > 0) {
		ssize_t n = recv(s->fd, out, requested, MSG_DONTWAIT);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			xsUnknownError("read failed");
		}
		out += n;
		requested -= (int)n;
		s->known = (s->known > n) ? s->known - (int)n : 0;
	}
}

/* tcpWrite(handle, buffer): copies into the send buffer; throws "would block" when it does not
   fit, as lwIP does; returns the space left. */
static void xs_tcpWrite(txMachine* the)
{
	txSocket* s = &gxSockets[xsmqttSocketHandle(the, &xsArg(0))];
	uint8_t* data;
	txUnsigned count;
	if (!s->ready)
		xsUnknownError("not ready");
	if (s->eof)
		return;
	data = xsmqttGetBuffer(the, &xsArg(1), &count);
	if ((int)count > gxProfile->sendBuffer - s->queued)
		xsUnknownError("would block");
	c_memcpy(s->queue + s->queued, data, count);
	s->queued += count;
	xsmqttFlush(s);
	xsResult = xsInteger(gxProfile->sendBuffer - s->queued);
}

static void xs_tcpClose(txMachine* the)
{
	int h = fxToInteger(the, &xsArg(0));
	if ((h >= 0) && (h < kSockets) && (gxSockets[h].fd >= 0)) {
		xsmqttFlush(&gxSockets[h]);
		close(gxSockets[h].fd);
		gxSockets[h].fd = -1;
		gxSockets[h].triggered = 0;
	}
}

static void xs_setSockets(txMachine* the)
{
	gxSocketTable = xsArg(0);
}

static void xs_setTimers(txMachine* the)
{
	gxTimerTable = xsArg(0);
}

static void xs_now(txMachine* the)
{
	xsResult = xsNumber(xsmqttNow());
}

/* wake(ms): a timer wants to run in ms milliseconds. */
static void xs_wake(txMachine* the)
{
	double when = xsmqttNow() + xsToNumber(xsArg(0));
	if ((gxNextTimer < 0) || (when < gxNextTimer))
		gxNextTimer = when;
}

/* stackPeak(reset): the deepest the stack has been, in slots counted as on a device (XS notes
   the peak when a function returns); reset starts a new measurement. */
static void xs_stackPeak(txMachine* the)
{
	txSlot* top = gxDeviceStackTop ? gxDeviceStackTop : the->stackTop;
	xsResult = xsInteger((txInteger)(top - the->stackPeak));
	if ((xsToInteger(xsArgc) > 0) && xsTest(xsArg(0)))
		the->stackPeak = the->stack;
}

static void xs_exit(txMachine* the)
{
	gxExitRequested = xsToInteger(xsArg(0));
}

/* ---------- flash: Moddable's partitions, in files ---------- */

#define kFlashes 4
#define kFlashBlock 4096
static struct { const char* name; const char* path; int fd; long size; } gxFlashes[kFlashes];
static int gxFlashCount = 0;
static long gxFlashBudget = -1;		/* bytes until the power cut, -1: none */

static int xsmqttFlashHandle(txMachine* the, txSlot* slot)
{
	int h = fxToInteger(the, slot);
	if ((h < 0) || (h >= gxFlashCount) || (gxFlashes[h].fd < 0))
		mxTypeError("not a flash");
	return h;
}

/* Spends n bytes of the cut budget: how many may still be written before the power goes. */
static long xsmqttFlashSpend(long n)
{
	if (gxFlashBudget < 0)
		return n;
	if (n > gxFlashBudget)
		n = gxFlashBudget;
	gxFlashBudget -= n;
	return n;
}

static void xsmqttFlashCut(void)
{
	fflush(stdout);
	fflush(stderr);
	_exit(5);
}

static void xsmqttFlashCheck(txMachine* the, int h, long offset, long length)
{
	if ((offset < 0) || (length < 0) || (offset + length > gxFlashes[h].size))
		mxRangeError("flash: out of range");
}

/* flashOpen(partition): a handle; throws for a partition not given with --flash. */
static void xs_flashOpen(txMachine* the)
{
	const char* name = xsToString(xsArg(0));
	int i;
	for (i = 0; i < gxFlashCount; i++) {
		if (strcmp(gxFlashes[i].name, name))
			continue;
		if (gxFlashes[i].fd < 0) {
			struct stat st;
			gxFlashes[i].fd = open(gxFlashes[i].path, O_RDWR);
			if ((gxFlashes[i].fd < 0) || fstat(gxFlashes[i].fd, &st))
				xsUnknownError("flash: cannot open %s", gxFlashes[i].path);
			gxFlashes[i].size = (long)st.st_size - ((long)st.st_size % kFlashBlock);
		}
		xsResult = xsInteger(i);
		return;
	}
	xsUnknownError("can't find partition");
}

static void xs_flashSize(txMachine* the)
{
	xsResult = xsInteger((txInteger)gxFlashes[xsmqttFlashHandle(the, &xsArg(0))].size);
}

/* flashRead(h, offset, length): a new ArrayBuffer, as Moddable's read(). */
static void xs_flashRead(txMachine* the)
{
	int h = xsmqttFlashHandle(the, &xsArg(0));
	long offset = xsToInteger(xsArg(1));
	long length = xsToInteger(xsArg(2));
	xsmqttFlashCheck(the, h, offset, length);
	xsResult = xsArrayBuffer(NULL, (txInteger)length);
	if (pread(gxFlashes[h].fd, xsToArrayBuffer(xsResult), length, offset) != length)
		xsUnknownError("flash: read failed");
}

/* flashWrite(h, offset, length, buffer): buffer's first length bytes, ANDed into the flash. No allocation. */
static void xs_flashWrite(txMachine* the)
{
	int h = xsmqttFlashHandle(the, &xsArg(0));
	long offset = xsToInteger(xsArg(1));
	long length = xsToInteger(xsArg(2));
	txUnsigned count;
	uint8_t* data = xsmqttGetBuffer(the, &xsArg(3), &count);
	uint8_t old[256];
	long done = 0, allowed;
	if ((length <= 0) || ((long)count < length))
		mxRangeError("flash: invalid length");
	xsmqttFlashCheck(the, h, offset, length);
	allowed = xsmqttFlashSpend(length);
	while (done < allowed) {
		long n = allowed - done;
		long i;
		if (n > (long)sizeof(old))
			n = sizeof(old);
		if (pread(gxFlashes[h].fd, old, n, offset + done) != n)
			xsUnknownError("flash: read failed");
		for (i = 0; i < n; i++)
			old[i] &= data[done + i];
		if (pwrite(gxFlashes[h].fd, old, n, offset + done) != n)
			xsUnknownError("flash: write failed");
		done += n;
	}
	if (allowed < length)
		xsmqttFlashCut();
}

/* flashErase(h, block): the block's bytes become 0xFF (a cut leaves a prefix erased). */
static void xs_flashErase(txMachine* the)
{
	int h = xsmqttFlashHandle(the, &xsArg(0));
	long block = xsToInteger(xsArg(1));
	uint8_t ff[kFlashBlock];
	long allowed;
	xsmqttFlashCheck(the, h, block * kFlashBlock, kFlashBlock);
	allowed = xsmqttFlashSpend(kFlashBlock);
	memset(ff, 0xff, sizeof(ff));
	if ((allowed > 0) && (pwrite(gxFlashes[h].fd, ff, allowed, block * kFlashBlock) != allowed))
		xsUnknownError("flash: erase failed");
	if (allowed < kFlashBlock)
		xsmqttFlashCut();
}

/* ---------- the loop ---------- */

static void xsmqttReportException(txMachine* the)
{
	fflush(stdout);
	xsVars(1);
	fprintf(stderr, "xsmqtt-xs: uncaught exception: %s\n", xsToString(xsException));
	xsVar(0) = xsException;
	if (xsTypeOf(xsVar(0)) == xsReferenceType) {
		xsVar(0) = xsGet(xsVar(0), xsID("stack"));
		if (xsTypeOf(xsVar(0)) == xsStringType)
			fprintf(stderr, "%s\n", xsToString(xsVar(0)));
	}
	exit(1);
}

static void xsmqttRunPromiseJobs(txMachine* the)
{
	while (the->promiseJobs) {
		the->promiseJobs = 0;
		fxRunPromiseJobs(the);
	}
	fxEndJob(the);
}

/* Calls the socket's callback for kind (kReadable 1, kWritable 2, kError 4) with count. */
static void xsmqttCallSocket(txMachine* the, int h, int kind, int count)
{
	xsBeginHost(the);
	xsVars(2);
	xsTry {
		xsVar(0) = xsGetIndex(gxSocketTable, h * 4);
		xsVar(1) = xsGetIndex(gxSocketTable, h * 4 + (kind == kError ? 3 : kind));
		if (xsTest(xsVar(1))) {
			if (kind == kError)
				xsCallFunction0(xsVar(1), xsVar(0));
			else
				xsCallFunction1(xsVar(1), xsVar(0), xsInteger(count));
		}
	}
	xsCatch {
		xsmqttReportException(the);
	}
	xsEndHost(the);
}

static void xsmqttDeliver(txMachine* the, int h)
{
	txSocket* s = &gxSockets[h];
	int triggered = s->triggered;
	s->triggered = 0;
	if ((triggered & kReadable) && (s->fd >= 0)) {
		int available = xsmqttAvailable(s);
		if (available > 0) {
			s->known = available;
			xsmqttCallSocket(the, h, kReadable, available);
		}
	}
	if (s->fd < 0)
		return;
	if (s->eof) {
		if (!s->errorSent && (xsmqttAvailable(s) == 0)) {
			s->errorSent = 1;
			xsmqttCallSocket(the, h, kError, 0);
		}
	}
	else if ((triggered & kWritable) && s->ready) {
		xsmqttCallSocket(the, h, kWritable, gxProfile->sendBuffer - s->queued);
	}
	xsmqttRunPromiseJobs(the);
}

static void xsmqttRunTimers(txMachine* the)
{
	double next;
	int i;
	gxNextTimer = -1;
	xsBeginHost(the);
	xsVars(3);
	xsTry {
		/* Each due timer's callback is called from here (timer as argument), as on a device; at most
		   64 a turn, so a timer rescheduled at 0 ms cannot starve the sockets. */
		double now = xsmqttNow();
		xsVar(0) = xsGetIndex(gxTimerTable, 0);
		for (i = 0; i < 64; i++) {
			xsVar(1) = xsCallFunction1(xsVar(0), xsUndefined, xsNumber(now));
			if (!xsTest(xsVar(1)))
				break;
			xsVar(2) = xsGet(xsVar(1), xsID("callback"));
			if (xsTest(xsVar(2)))
				xsCallFunction1(xsVar(2), xsUndefined, xsVar(1));
		}
		xsVar(0) = xsGetIndex(gxTimerTable, 1);
		xsResult = xsCallFunction0(xsVar(0), xsUndefined);
		next = xsToNumber(xsResult);
	}
	xsCatch {
		xsmqttReportException(the);
		next = -1;
	}
	xsEndHost(the);
	if (next >= 0) {
		double when = xsmqttNow() + next;
		if ((gxNextTimer < 0) || (when < gxNextTimer))
			gxNextTimer = when;
	}
	xsmqttRunPromiseJobs(the);
}

static void xsmqttLoop(txMachine* the)
{
	struct pollfd fds[kSockets];
	int map[kSockets];
	for (;;) {
		int i, n = 0, pending = 0, unread = 0, timeout;
		if (gxExitRequested >= 0)
			return;
		for (i = 0; i < kSockets; i++) {
			txSocket* s = &gxSockets[i];
			if (s->fd < 0)
				continue;
			if (s->triggered || (s->eof && !s->errorSent && !xsmqttAvailable(s)))
				pending = 1;
			fds[n].fd = s->fd;
			/* readable interest only once the application has read what it was told of:
			   new data is announced again, as lwIP announces each received segment */
			fds[n].events = ((s->connecting || s->queued) ? POLLOUT : 0);
			if (!s->eof) {
				int available = xsmqttAvailable(s);
				if (available > s->known)
					s->triggered |= kReadable, pending = 1;
				else if (available)
					unread = 1;		/* left unread: watch for more by polling the count */
				else
					fds[n].events |= POLLIN;
			}
			fds[n].revents = 0;
			map[n++] = i;
		}
		if (!n && (gxNextTimer < 0))
			return;
		if (pending)
			timeout = 0;
		else if (unread && ((gxNextTimer < 0) || (gxNextTimer - xsmqttNow() > 5)))
			timeout = 5;
		else if (gxNextTimer < 0)
			timeout = -1;
		else {
			double delta = gxNextTimer - xsmqttNow();
			timeout = (delta <= 0) ? 0 : (int)(delta + 0.999);
		}
		if (poll(fds, n, timeout) < 0 && errno != EINTR) {
			perror("xsmqtt-xs: poll");
			exit(1);
		}
		for (i = 0; i < n; i++) {
			txSocket* s = &gxSockets[map[i]];
			short r = fds[i].revents;
			if (!r)
				continue;
			if (s->connecting && (r & (POLLOUT | POLLERR | POLLHUP))) {
				int err = 0;
				socklen_t len = sizeof(err);
				getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
				s->connecting = 0;
				if (err) {
					s->eof = 1;
				}
				else {
					s->ready = 1;
					s->triggered |= kWritable;
				}
				continue;
			}
			if (r & POLLOUT)
				xsmqttFlush(s);
			if (r & POLLIN) {
				int available = xsmqttAvailable(s);
				if (available > 0)
					s->triggered |= kReadable;
				else
					s->eof = 1;		/* readable with nothing to read: the peer closed */
			}
			if (r & (POLLERR | POLLHUP)) {
				s->eof = 1;
				s->ready = 0;
			}
		}
		for (i = 0; i < kSockets; i++) {
			if (gxSockets[i].fd >= 0)
				xsmqttDeliver(the, i);
			if (gxExitRequested >= 0)
				return;
		}
		if ((gxNextTimer >= 0) && (gxNextTimer <= xsmqttNow() + 0.01))
			xsmqttRunTimers(the);
	}
}

/* ---------- main ---------- */

static int gxLoaded = 0;
static txSlot gxNamespace;

static void xsmqttFulfill(txMachine* the)
{
	gxNamespace = xsArg(0);
	gxLoaded = 1;
}

static void xsmqttReject(txMachine* the)
{
	fflush(stdout);
	xsVars(1);
	fprintf(stderr, "xsmqtt-xs: module failed: %s\n", xsToString(xsArg(0)));
	xsVar(0) = xsArg(0);
	if (xsTypeOf(xsVar(0)) == xsReferenceType) {
		xsVar(0) = xsGet(xsVar(0), xsID("stack"));
		if (xsTypeOf(xsVar(0)) == xsStringType)
			fprintf(stderr, "%s\n", xsToString(xsVar(0)));
	}
	exit(1);
}

/* Imports the module at `path` (a real path), running its jobs: 1 once it is evaluated, its
   namespace in gxNamespace. */
static int xsmqttImport(txMachine* the, const char* path)
{
	gxLoaded = 0;
	xsBeginHost(the);
	{
		xsTry {
			txSlot* realm = mxProgram.value.reference->next->value.module.realm;
			mxPushStringC((txString)path);
			fxRunImport(the, realm, XS_NO_ID);
			mxDub();
			fxGetID(the, mxID(_then));
			mxCall();
			fxNewHostFunction(the, xsmqttFulfill, 1, XS_NO_ID, XS_NO_ID);
			fxNewHostFunction(the, xsmqttReject, 1, XS_NO_ID, XS_NO_ID);
			mxRunCount(2);
			mxPop();
		}
		xsCatch {
			xsmqttReportException(the);
		}
	}
	xsEndHost(the);
	xsmqttRunPromiseJobs(the);
	if (!gxLoaded)
		fprintf(stderr, "xsmqtt-xs: %s did not finish loading\n", path);
	return gxLoaded;
}

static void xsmqttDefine(txMachine* the, txSlot* target, const char* name, txCallback callback, int length)
{
	xsVar(1) = xsNewHostFunction(callback, length);
	xsDefine(*target, xsID((char*)name), xsVar(1), xsDontEnum);
}

/* From here on the application gets the profile's budget. Loading (parsing, linking) left free
   chunk space in XS's blocks, more than a device would have: it is taken by ballast buffers,
   kept alive, so that the application's chunks come out of the budget as on a device. The free
   slots and chunk bytes that remain count against the budget. */
static txSlot gxBallast;

static txSize xsmqttLargestFree(txMachine* the)
{
	txBlock* block;
	txSize largest = 0;
	for (block = the->firstBlock; block; block = block->nextBlock)
		if ((block->limit - block->current) > largest)
			largest = (txSize)(block->limit - block->current);
	return largest;
}

static void xsmqttSetBudget(txMachine* the)
{
	size_t held, freeSlots;
	txSize heapStep = the->minimumHeapCount, chunkStep = the->minimumChunksSize;
	int n = 0, pass, i;
	if (gxProfile->heapBudget >= ((size_t)1 << 30))
		return;		/* the host profile: no budget, no ballast */
	/* small steps while the ballast is made, so that it does not make XS grow by much */
	the->minimumHeapCount = 32;
	the->minimumChunksSize = 512;
	xsCollectGarbage();
	freeSlots = (size_t)the->maximumHeapCount - (size_t)the->currentHeapCount;
	xsBeginHost(the);
	xsVars(1);
	/* One array, sized once (its items are a chunk: growing it would leave freed copies). */
	gxBallast = xsNewArray((txInteger)(freeSlots + 256));
	xsRemember(gxBallast);
	/* the free chunk space: one buffer per block's free end, again after compacting */
	for (pass = 0; pass < 2; pass++) {
		xsCollectGarbage();
		for (i = 0; i < 64 && n < 256; i++) {
			txSize largest = xsmqttLargestFree(the);
			if (largest < 128)
				break;
			xsVar(0) = xsArrayBuffer(C_NULL, largest - 64);
			xsSetIndex(gxBallast, n++, xsVar(0));
		}
	}
	/* then the free slots: objects of one slot each */
	while (((size_t)the->maximumHeapCount - (size_t)the->currentHeapCount) > 8 && n < (int)freeSlots + 256) {
		xsVar(0) = xsNewObject();
		xsSetIndex(gxBallast, n++, xsVar(0));
	}
	xsEndHost(the);
	held = ((size_t)the->maximumHeapCount - (size_t)the->currentHeapCount) * kDeviceSlot +
		((size_t)the->maximumChunksSize - (size_t)the->currentChunksSize);
	gxSlotBase = gxSlotsAllocated;
	gxChunkBase = gxChunkBytesAllocated;
	gxHeld = held;
	gxGrowthLimit = held < gxProfile->heapBudget ? gxProfile->heapBudget - held : 0;
	gxBudgeted = 1;
	/* growth off: XS grows only in small steps, up to the fixed budget, its chunks in one region */
	if (gxProfile->growth) {
		the->minimumHeapCount = heapStep;
		the->minimumChunksSize = chunkStep;
	}
	else {
		gxChunkArenaSize = gxGrowthLimit;
		gxChunkArena = c_malloc(gxChunkArenaSize);
		if (!gxChunkArena)
			gxChunkArenaSize = 0;
	}
}

int main(int argc, char* argv[])
{
	txCreation creation = {
		32 * 1024,		/* initialChunkSize */
		16 * 1024,		/* incrementalChunkSize */
		4096,			/* initialHeapCount */
		1024,			/* incrementalHeapCount */
		1024,			/* stackCount */
		2048 + 1024,	/* initialKeyCount */
		512,			/* incrementalKeyCount */
		1993,			/* nameModulo */
		127,			/* symbolModulo */
		8 << 20,		/* parserBufferSize: string literals up to 8 MiB (devices parse at build time) */
		1993,			/* parserTableModulo */
		0,				/* staticSize */
	};
	const char* bundle = C_NULL;
	const char* configs[64];
	int configCount = 0;
	char preloads[8][C_PATH_MAX];
	int preloadCount = 0;
	char real[C_PATH_MAX];
	int stats = 0, i;
	txMachine* the;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--profile") && (i + 1 < argc)) {
			const char* name = argv[++i];
			size_t p;
			gxProfile = C_NULL;
			for (p = 0; p < sizeof(gxProfiles) / sizeof(gxProfiles[0]); p++)
				if (!strcmp(gxProfiles[p].name, name))
					gxProfile = &gxProfiles[p];
			if (!gxProfile) {
				fprintf(stderr, "xsmqtt-xs: unknown profile %s (host, esp32, esp8266)\n", name);
				return 2;
			}
		}
		else if (!strcmp(argv[i], "--stack") && (i + 1 < argc)) {
			char* end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 64 || n > 65536) {
				fprintf(stderr, "xsmqtt-xs: --stack takes a slot count from 64 to 65536\n");
				return 2;
			}
			gxStackCount = (txSize)n;
		}
		else if (!strcmp(argv[i], "--stats"))
			stats = 1;
		else if (!strcmp(argv[i], "--flash") && (i + 1 < argc) && strchr(argv[i + 1], '=') && (gxFlashCount < kFlashes)) {
			char* spec = argv[++i];
			char* eq = strchr(spec, '=');
			*eq = 0;
			gxFlashes[gxFlashCount].name = spec;
			gxFlashes[gxFlashCount].path = eq + 1;
			gxFlashes[gxFlashCount].fd = -1;
			gxFlashCount++;
		}
		else if (!strcmp(argv[i], "--flash-cut") && (i + 1 < argc))
			gxFlashBudget = strtol(argv[++i], C_NULL, 10);
		else if (!strcmp(argv[i], "--config") && (i + 1 < argc) && strchr(argv[i + 1], '=') && (configCount < 64))
			configs[configCount++] = argv[++i];
		else if (!strcmp(argv[i], "--preload") && (i + 1 < argc) && (preloadCount < 8)) {
			if (!c_realpath(argv[++i], preloads[preloadCount])) {
				fprintf(stderr, "xsmqtt-xs: %s: %s\n", argv[i], strerror(errno));
				return 2;
			}
			preloadCount++;
		}
		else if (argv[i][0] == '-' || bundle) {
			fprintf(stderr, "usage: xsmqtt-xs [--profile host|esp32|esp8266] [--stack slots] [--stats] [--config name=value]... [--flash partition=file]... [--flash-cut bytes] [--preload preloaded.js]... bundle.js\n");
			return 2;
		}
		else
			bundle = argv[i];
	}
	if (!gxStackCount)
		gxStackCount = gxProfile->stackCount;
	if (!bundle) {
		fprintf(stderr, "usage: xsmqtt-xs [--profile host|esp32|esp8266] [--stack slots] [--stats] [--config name=value]... [--flash partition=file]... [--flash-cut bytes] [--preload preloaded.js]... bundle.js\n");
		return 2;
	}
	if (!c_realpath(bundle, real)) {
		fprintf(stderr, "xsmqtt-xs: %s: %s\n", bundle, strerror(errno));
		return 2;
	}
	for (i = 0; i < kSockets; i++) {
		gxSockets[i].fd = -1;
		gxSockets[i].queue = C_NULL;
	}
	signal(SIGPIPE, SIG_IGN);

	/* Loading a bundle (parsing, linking, evaluating modules) needs more stack than running it;
	   a device preloads at build time. The profile's stack applies once the bundle is loaded. */
	creation.stackCount = (gxStackCount > 4096) ? gxStackCount : 4096;
	fxInitializeSharedCluster();
	the = xsCreateMachine(&creation, "xsmqtt", NULL);
	if (!the) {
		fprintf(stderr, "xsmqtt-xs: cannot create the machine\n");
		return 3;
	}
	if (stats)
		xsmqttReportMemory(the, stderr);

	xsBeginHost(the);
	{
		xsVars(3);
		xsmqttDefine(the, &xsGlobal, "print", xs_print, 1);
		xsmqttDefine(the, &xsGlobal, "trace", xs_trace, 1);
		xsmqttDefine(the, &xsGlobal, "gc", xs_gc, 0);
		xsmqttDefine(the, &xsGlobal, "memoryStats", xs_memoryStats, 1);
		xsVar(0) = xsNewObject();
		xsmqttDefine(the, &xsVar(0), "log", xs_print, 1);
		xsmqttDefine(the, &xsVar(0), "error", xs_print, 1);
		xsDefine(xsGlobal, xsID("console"), xsVar(0), xsDontEnum);
		xsVar(0) = xsNewObject();
		xsmqttDefine(the, &xsVar(0), "tcpConnect", xs_tcpConnect, 2);
		xsmqttDefine(the, &xsVar(0), "tcpRead", xs_tcpRead, 2);
		xsmqttDefine(the, &xsVar(0), "tcpWrite", xs_tcpWrite, 2);
		xsmqttDefine(the, &xsVar(0), "tcpClose", xs_tcpClose, 1);
		xsmqttDefine(the, &xsVar(0), "setSockets", xs_setSockets, 1);
		xsmqttDefine(the, &xsVar(0), "setTimers", xs_setTimers, 1);
		xsmqttDefine(the, &xsVar(0), "now", xs_now, 0);
		xsmqttDefine(the, &xsVar(0), "wake", xs_wake, 1);
		xsmqttDefine(the, &xsVar(0), "exit", xs_exit, 1);
		xsmqttDefine(the, &xsVar(0), "stackPeak", xs_stackPeak, 1);
		xsmqttDefine(the, &xsVar(0), "flashOpen", xs_flashOpen, 1);
		xsmqttDefine(the, &xsVar(0), "flashSize", xs_flashSize, 1);
		xsmqttDefine(the, &xsVar(0), "flashRead", xs_flashRead, 3);
		xsmqttDefine(the, &xsVar(0), "flashWrite", xs_flashWrite, 4);
		xsmqttDefine(the, &xsVar(0), "flashErase", xs_flashErase, 2);
		xsVar(1) = xsString((char*)gxProfile->name);
		xsDefine(xsVar(0), xsID("profile"), xsVar(1), xsDontEnum);
		/* mc/config: --config name=value (numbers stay numbers) */
		xsVar(2) = xsNewObject();
		for (i = 0; i < configCount; i++) {
			char name[128];
			const char* eq = strchr(configs[i], '=');
			size_t n = (size_t)(eq - configs[i]);
			char* end;
			double d;
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, configs[i], n);
			name[n] = 0;
			d = strtod(eq + 1, &end);
			if (eq[1] && !*end)
				xsVar(1) = xsNumber(d);
			else
				xsVar(1) = xsString((char*)(eq + 1));
			xsSet(xsVar(2), xsID(name), xsVar(1));
		}
		xsDefine(xsVar(0), xsID("config"), xsVar(2), xsDontEnum);
		xsDefine(xsGlobal, xsID("__xsHost"), xsVar(0), xsDontEnum);
		xsRemember(gxSocketTable);
		xsRemember(gxNamespace);
		xsRemember(gxTimerTable);

	}
	xsEndHost(the);
	for (i = 0; i < preloadCount; i++) {
		if (!xsmqttImport(the, preloads[i]))
			return 1;
	}
	if (preloadCount) {
		gxDeferredScript = xsmqttParseFile(the, real, mxDebugFlag);
		if (!gxDeferredScript) {
			fprintf(stderr, "xsmqtt-xs: %s: cannot parse\n", real);
			return 1;
		}
		gxDeferredPath = real;
		xsmqttPrepareScript(the, gxDeferredScript);
	}
	else if (!xsmqttImport(the, real))
		return 1;

	/* What is loaded so far lives in flash on a device (preloaded). From here on the device's
	   budget applies to what the application allocates, the bundle's instantiation included
	   when --preload took the preloaded part apart. */
	xsCollectGarbage();
	if (stats)
		xsmqttReportMemory(the, stderr);
	xsmqttSetBudget(the);
	if (preloadCount && !xsmqttImport(the, real))
		return 1;

	/* A device's machine is a clone of the preloaded one: the intrinsics and prototypes stay on
	   the flash machine's stack (fxCloneMachine points stackPrototypes at its stackTop) and only
	   the per-machine entries (global ... instance inspectors) sit on the device's stack. Here
	   all mxStackIndexCount entries are on this stack: the profile's stack counts as on a device. */
	{
		txSlot* top = the->stackTop - (mxStackIndexCount - (mxInstanceInspectorsStackIndex + 1));
		if ((top - the->stack) < gxStackCount)
			the->stackBottom = top - gxStackCount;	/* never freed: the process exits */
		gxDeviceStackTop = top;
		the->stackPeak = the->stack;
	}

	/* Like Moddable, a main module's default export function is called once loaded. */
	xsBeginHost(the);
	{
		xsVars(1);
		xsTry {
			xsVar(0) = xsGet(gxNamespace, xsID("default"));
			if (xsTest(xsVar(0)) && xsIsInstanceOf(xsVar(0), xsFunctionPrototype))
				xsCallFunction0(xsVar(0), xsUndefined);
		}
		xsCatch {
			xsmqttReportException(the);
		}
	}
	xsEndHost(the);
	xsmqttRunPromiseJobs(the);
	xsmqttLoop(the);
	fflush(stdout);
	if (stats)
		xsmqttReportMemory(the, stderr);
	return gxExitRequested >= 0 ? gxExitRequested : 0;
}
