export { RetrainingService, CORRECTION_WEIGHT, newVersionName } from './retraining.service';
export type { RetrainingDeps, LabelledPairResult } from './retraining.service';
export { ModelActivationService } from './model-activation.service';
export type { ActivationDeps } from './model-activation.service';
export { resolveRetrainOptions, PROMOTE_POLICIES } from './retrain-options';
export type { RetrainOptions, RetrainOptionsInput, PromotePolicy, RetrainLoss } from './retrain-options';
export { decidePromotion, comparePromotion } from './promote-rule';
export type { RunMetrics, RunProgress, ModelScore } from './run-state';
export { chooseStartupModel } from './startup-model';
