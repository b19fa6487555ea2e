/* ioctl(FIONREAD) for the lx106 target (link.c). */
#ifndef __LX106_SYS_IOCTL__
#define __LX106_SYS_IOCTL__
#define FIONREAD 0x541B
extern int ioctl(int fd, unsigned long request, ...);
#endif
