// Globals of the host XS runtime (targets/xs) used by the checks; a device does not have them.
declare function print(...values: unknown[]): void;
declare function gc(): void;
declare function memoryStats(out: Float64Array): void;
declare const __xsHost: { exit(code: number): void; profile: string };
