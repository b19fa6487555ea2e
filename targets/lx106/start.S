/* Reset, start and exception vectors for the lx106 core on QEMU's sim machine (call0 ABI,
   no register windows). Every exception ends in lx106_fault, which prints its cause. */
	.section .reset, "ax"
	.global _reset
_reset:
	j 1f
	.align 4
.Lentry:
	.word _start
1:
	l32r a0, .Lentry
	jx a0

	.section .init, "ax"
	.global _start
	.align 4
	.literal_position
	.literal .Lstack, __stack
	.literal .Lcmain, lx106_cmain
_start:
	l32r a1, .Lstack
	l32r a0, .Lcmain
	callx0 a0
2:
	j 2b

/* Vectors at VECBASE (0x40000000): debug 0x10, kernel 0x30, user 0x50, double 0x70 */
	.section .vectors, "ax"
	.global _vectors
_vectors:
.Lfault:
	.word lx106_fault_entry
	.org 0x30
	l32r a0, .Lfault
	jx a0
	.org 0x50
	l32r a0, .Lfault
	jx a0
	.org 0x70
	l32r a0, .Lfault
	jx a0

	.text
	.align 4
	.global lx106_fault_entry
	.literal_position
	.literal .Lhandler, lx106_fault
lx106_fault_entry:
	rsr a2, exccause
	rsr a3, epc1
	rsr a4, depc
	rsr a5, excvaddr
	l32r a0, .Lhandler
	callx0 a0
