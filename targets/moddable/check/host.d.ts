// Globals of the host XS runtime (targets/xs) used by the checks; a device does not have them.
declare function print(...values: unknown[]): void;
declare function gc(): void;
declare function memoryStats(out: Float64Array): void;
/** stackPeak: the deepest the XS stack has been, in slots as on a device (reset: start anew). */
declare const __xsHost: { exit(code: number): void; profile: string; stackPeak(reset?: boolean): number };
