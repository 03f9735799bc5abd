export {
  loadConfig,
  defaultModelDir,
  describeServableModels,
  servableModels,
  DEFAULT_MODEL_NAME,
  ConfigError,
  DEFAULT_LABELLED_RULE,
  LABELLED_RULES,
} from './config';
export type { Config, Limits, IndexSettings, IndexKind, NodeEnv, ReplicationSettings, LabelledRule, CompanionSettings } from './config';
