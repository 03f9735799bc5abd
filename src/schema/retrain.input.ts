import { Field, Float, InputType, Int, registerEnumType } from 'type-graphql';
import { IsOptional, Max, Min } from 'class-validator';

export enum PromotePolicyEnum {
  IF_BETTER = 'IF_BETTER',
  ALWAYS = 'ALWAYS',
  NEVER = 'NEVER',
}
registerEnumType(PromotePolicyEnum, {
  name: 'PromotePolicy',
  description:
    'When a retrained model replaces the serving one. IF_BETTER: when it is not worse on the held-out pairs (EER, then AUC); ALWAYS: force; NEVER: keep it as an inactive version (activateModel later).',
});

export enum LossEnum {
  contrastive = 'contrastive',
  triplet = 'triplet',
}
registerEnumType(LossEnum, {
  name: 'Loss',
  description: 'contrastive (Hadsell et al. 2006) on pairs, or triplet (Schroff et al. 2015) with semi-hard mining.',
});

@InputType({ description: 'Options of a retraining run; every field has a default.' })
export class RetrainInput {
  @Field(() => Int, { nullable: true, description: 'Total optimiser steps (default 100 × epochs).' })
  @IsOptional()
  @Min(1)
  @Max(100_000)
  steps?: number | null;

  @Field(() => Int, { nullable: true, description: 'Epochs (default 1); steps are split evenly over them.' })
  @IsOptional()
  @Min(1)
  @Max(1000)
  epochs?: number | null;

  @Field(() => LossEnum, { nullable: true, description: 'Default contrastive.' })
  @IsOptional()
  loss?: LossEnum | null;

  @Field(() => Float, { nullable: true, description: 'Loss margin (default 0.5 contrastive, 0.2 triplet).' })
  @IsOptional()
  margin?: number | null;

  @Field(() => Float, { nullable: true, description: 'Adam learning rate (default 1e-4 fine-tuning, 1e-3 from scratch).' })
  @IsOptional()
  learningRate?: number | null;

  @Field(() => Int, { nullable: true, description: 'Pairs (contrastive) or images (triplet) per step (default 16).' })
  @IsOptional()
  @Min(2)
  @Max(512)
  batchSize?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'Train fresh weights (same architecture) instead of fine-tuning the active model. Default false.',
  })
  @IsOptional()
  fromScratch?: boolean | null;

  @Field(() => PromotePolicyEnum, { nullable: true, description: 'Default IF_BETTER.' })
  @IsOptional()
  promote?: PromotePolicyEnum | null;

  @Field(() => Int, { nullable: true, description: 'Seed of sampling and of the held-out split (default random; stored in the run).' })
  @IsOptional()
  @Min(0)
  seed?: number | null;
}
