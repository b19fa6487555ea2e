// specifier: mc/config
// Moddable's build-time config values; on the host they come from `--config name=value`.
export default globalThis.__xsHost.config;
