/* Internet addresses for the lx106 target (link.c). */
#ifndef __LX106_NETINET_IN__
#define __LX106_NETINET_IN__
#include <sys/socket.h>
#include <arpa/inet.h>
typedef uint16_t in_port_t;
struct in_addr { uint32_t s_addr; };
struct in6_addr { uint8_t s6_addr[16]; };
struct sockaddr_in { sa_family_t sin_family; in_port_t sin_port; struct in_addr sin_addr; char sin_zero[8]; };
struct sockaddr_in6 { sa_family_t sin6_family; in_port_t sin6_port; uint32_t sin6_flowinfo; struct in6_addr sin6_addr; uint32_t sin6_scope_id; };
#define IPPROTO_TCP 6
#endif
