/* The POSIX calls the host runtime's program makes, for the lx106 target: files over
   semihosting (the bundle and the modules it imports are read from the host; the `flash`
   module's partition files, read and written in place), the clock, realpath, inet_pton.
   Sockets are in link.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "semihost.h"

static int lx106_linux_flags(int flags)
{
	int linux = flags & O_ACCMODE;	/* 0, 1, 2 are the same values */
	if (flags & O_CREAT) linux |= kLinuxCreate;
	if (flags & O_TRUNC) linux |= kLinuxTruncate;
	if (flags & O_APPEND) linux |= kLinuxAppend;
	if (flags & O_NONBLOCK) linux |= kLinuxNonBlock;
	return linux;
}

int open(const char* path, int flags, ...)
{
	int mode = 0644, err, fd;
	if (flags & O_CREAT) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	fd = lx106_simcall(kSysOpen, (int)path, lx106_linux_flags(flags), mode, &err);
	if (fd < 0)
		errno = err;
	return fd;
}

ssize_t read(int fd, void* buffer, size_t count)
{
	int err, n = lx106_simcall(kSysRead, fd, (int)buffer, (int)count, &err);
	if (n < 0)
		errno = err;
	return n;
}

ssize_t write(int fd, const void* buffer, size_t count)
{
	int err, n = lx106_simcall(kSysWrite, fd, (int)buffer, (int)count, &err);
	if (n < 0)
		errno = err;
	return n;
}

off_t lseek(int fd, off_t offset, int whence)
{
	int err, n = lx106_simcall(kSysLseek, fd, (int)offset, whence, &err);
	if (n < 0)
		errno = err;
	return n;
}

/* Semihosting has no pread/pwrite: a seek, then the transfer. Nothing else in the program
   relies on a partition file's offset, so moving it is harmless. */
ssize_t pread(int fd, void* buffer, size_t count, off_t offset)
{
	if (lseek(fd, offset, SEEK_SET) != offset)
		return -1;
	return read(fd, buffer, count);
}

ssize_t pwrite(int fd, const void* buffer, size_t count, off_t offset)
{
	if (lseek(fd, offset, SEEK_SET) != offset)
		return -1;
	return write(fd, buffer, count);
}

/* Semihosting has no stat either: a file's size is where its end is (the offset restored);
   the rest of the structure is left zero. */
int fstat(int fd, struct stat* st)
{
	off_t here, end;
	memset(st, 0, sizeof(*st));
	here = lseek(fd, 0, SEEK_CUR);
	if (here < 0)
		return -1;
	end = lseek(fd, 0, SEEK_END);
	if ((end < 0) || (lseek(fd, here, SEEK_SET) != here))
		return -1;
	st->st_mode = S_IFREG;
	st->st_size = end;
	return 0;
}

int close(int fd)
{
	int err, n;
	if (lx106_link_is_fd(fd))
		return lx106_link_close(fd);
	n = lx106_simcall(kSysClose, fd, 0, 0, &err);
	if (n < 0)
		errno = err;
	return n;
}

int isatty(int fd) { return fd <= 2; }

int fcntl(int fd, int cmd, ...) { return 0; }

/* Paths are the host's: a module path is real when the host can open it. */
char* realpath(const char* path, char* resolved)
{
	int fd;
	if (strlen(path) >= 256) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	close(fd);
	strcpy(resolved, path);
	return resolved;
}

int clock_gettime(clockid_t clock, struct timespec* ts)
{
	uint64_t us = lx106_now_us();
	ts->tv_sec = (time_t)(us / 1000000);
	ts->tv_nsec = (long)(us % 1000000) * 1000;
	return 0;
}

int gettimeofday(struct timeval* tv, void* tz)
{
	uint64_t us = lx106_now_us();
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
	return 0;
}

/* IPv4 dotted quads only (the device application gives the broker's address as one). */
int inet_pton(int af, const char* src, void* dst)
{
	uint8_t out[4];
	int i, v;
	if (af != AF_INET)
		return 0;
	for (i = 0; i < 4; i++) {
		if ((*src < '0') || (*src > '9'))
			return 0;
		for (v = 0; (*src >= '0') && (*src <= '9'); src++) {
			v = v * 10 + (*src - '0');
			if (v > 255)
				return 0;
		}
		out[i] = (uint8_t)v;
		if (i < 3) {
			if (*src != '.')
				return 0;
			src++;
		}
	}
	if (*src)
		return 0;
	memcpy(dst, out, 4);
	return 1;
}
