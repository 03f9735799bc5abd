export { loadConfig, defaultModelDir, DEFAULT_MODEL_NAME, ConfigError } from './config';
export type { Config, Limits, IndexSettings, NodeEnv } from './config';
