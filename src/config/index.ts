export { loadConfig, findDefaultModel, ConfigError } from './config';
export type { Config, Limits, IndexSettings, NodeEnv } from './config';
