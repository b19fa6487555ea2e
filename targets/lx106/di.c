/* 64-bit division and multiplication that Debian's lx106 libgcc lacks, over the lib1funcs
   helpers assembled from gcc-12-source (lx106.mk). */
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;
extern u64 __udivmoddi4(u64, u64, u64*);
extern s64 __divmoddi4(s64, s64, s64*);
extern u64 __umulsidi3(u32, u32);
u64 __udivdi3(u64 a, u64 b) { return __udivmoddi4(a, b, 0); }
u64 __umoddi3(u64 a, u64 b) { u64 r; __udivmoddi4(a, b, &r); return r; }
s64 __divdi3(s64 a, s64 b) { return __divmoddi4(a, b, 0); }
s64 __moddi3(s64 a, s64 b) { s64 r; __divmoddi4(a, b, &r); return r; }
u64 __muldi3(u64 a, u64 b)
{
	u32 al = (u32)a, ah = (u32)(a >> 32), bl = (u32)b, bh = (u32)(b >> 32);
	u64 r = __umulsidi3(al, bl);
	u32 hi = (u32)(r >> 32) + al * bh + ah * bl;
	return ((u64)hi << 32) | (u32)r;
}
