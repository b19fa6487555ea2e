/* TCP options for the lx106 target (accepted and ignored by link.c). */
#ifndef __LX106_NETINET_TCP__
#define __LX106_NETINET_TCP__
#define TCP_NODELAY 1
#endif
