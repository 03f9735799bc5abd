/** Custom layers; importing this module registers them for model (de)serialisation. */
export { L2Normalize } from './l2-normalize.layer';
export { GroupNormalization } from './group-norm.layer';
export { ChannelZeroPad } from './channel-zero-pad.layer';
export { GEM_MAX_P, GemPooling2D } from './gem-pooling.layer';
