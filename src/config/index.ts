export { loadConfig, defaultModelDir, describeServableModels, servableModels, DEFAULT_MODEL_NAME, ConfigError } from './config';
export type { Config, Limits, IndexSettings, IndexKind, NodeEnv, ReplicationSettings } from './config';
