/**
 * `siamese train --trunk-from MODEL [--trunk-member N]`: a fresh encoder whose trunk is a trained
 * model's (embedding/backbones/trunk-transfer.ts), with the error codes and the card record the
 * trainer needs. Session 19's signature model starts from an Omniglot member's trunk this way
 * (docs/experiments/signatures/ink-trunk/RULE.md).
 */
import type * as tf from '@tensorflow/tfjs';
import type { ArchitectureSpec, PreprocessSpec } from '../embedding/model-card';
import { loadModelDir } from '../embedding/model-store';
import { TrunkMismatchError, transferTrunk, trunkArchitectureDifference } from '../embedding/backbones/trunk-transfer';
import { DomainError, ErrorCode, isDomainError } from '../errors';
import type { TrunkOrigin } from './model-card.builder';
import type { TrainOptions } from './train-options';

/** --trunk-from: the source's trunk into `model` (embedding/backbones/trunk-transfer.ts); what the card records. */
export async function copyTrunk(
  model: tf.LayersModel,
  spec: NonNullable<TrainOptions['trunkFrom']>,
  architecture: ArchitectureSpec,
  preprocessing: PreprocessSpec,
  log: (message: string) => void,
): Promise<TrunkOrigin> {
  const source = await loadModelDir(spec.model).catch((e: unknown) => {
    throw isDomainError(e) ? new DomainError(e.code, `--trunk-from ${spec.model}: ${e.message}`, e.details) : e;
  });
  try {
    const members =
      source.card.architecture.backbone === 'ensemble'
        ? (source.card.architecture.params?.members as Array<{ name?: string; architecture?: ArchitectureSpec }>)
        : [];
    let copied;
    try {
      // The card's architecture (a member's, for an ensemble) must match, not only the weight shapes.
      const sourceArchitecture = spec.member !== undefined ? members[spec.member]?.architecture : source.card.architecture;
      const difference = sourceArchitecture && trunkArchitectureDifference(sourceArchitecture, architecture, { extend: spec.extend });
      if (difference) throw new TrunkMismatchError(`the trunks differ: ${difference} (use the source's backbone, --norm and widths)`);
      copied = transferTrunk(model, source.model, spec.member, { extend: spec.extend });
    } catch (e) {
      if (e instanceof TrunkMismatchError) {
        throw new DomainError(ErrorCode.MODEL_INCOMPATIBLE, `--trunk-from ${spec.model}: ${e.message}`, { model: spec.model });
      }
      throw e;
    }
    // The trunk learnt on inputs scaled one way; fed another scaling it starts from features of the wrong sign or range.
    if (source.card.preprocessing.normalize !== preprocessing.normalize) {
      log(
        `warning: the trunk was trained on '${source.card.preprocessing.normalize}' inputs and this run feeds '${preprocessing.normalize}': ` +
          'use the same --normalize for the trunk to see inputs it knows',
      );
    }
    const memberName = spec.member !== undefined ? members?.[spec.member]?.name : undefined;
    log(
      `trunk from ${spec.model} (${source.card.name}${memberName ? `, member ${spec.member}: ${memberName}` : ''}): ` +
        `${copied.layers.length} layers, ${copied.parameters} weights; ` +
        (copied.freshLayers > 0
          ? `${copied.freshLayers} trunk layer${copied.freshLayers === 1 ? '' : 's'} after them and the head are fresh`
          : 'the head is fresh'),
    );
    return {
      model: spec.model,
      name: source.card.name,
      version: source.card.version,
      ...(spec.member !== undefined ? { member: spec.member, memberName } : {}),
      ...(spec.freezeEpochs ? { freezeEpochs: spec.freezeEpochs } : {}),
      ...(spec.extend ? { freshTrunkLayers: copied.freshLayers } : {}),
      layers: copied.layers.length,
      parameters: copied.parameters,
    };
  } finally {
    source.model.dispose();
  }
}
