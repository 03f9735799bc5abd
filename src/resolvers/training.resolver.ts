import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { RetrainInput } from '../schema/retrain.input';
import { TrainingRun, TrainingRunPage } from '../schema/training-run.type';
import type { TrainingRunRecord } from '../services/retraining/types';
import { notFound } from '../errors';
import type { GraphQLContext } from './context';
import { retraining, toTrainingRun } from './retraining.mappers';

@Resolver()
export class TrainingResolver {
  @Mutation(() => TrainingRun, {
    description:
      'Admin: starts retraining on the enrolled identities and labelled pairs, in the background; returns the QUEUED run at once. One run at a time: a second call while one is active fails with TRAINING_IN_PROGRESS (no queue).',
  })
  async retrain(
    @Arg('options', () => RetrainInput, { nullable: true }) options: RetrainInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrainingRun> {
    ctx.require('admin');
    return toTrainingRun(await retraining(ctx).retrain(options));
  }

  @Mutation(() => TrainingRun, {
    description: 'Admin: cancels an active run (CONFLICT once its model is being swapped in). A finished run is returned unchanged.',
  })
  async cancelRetrain(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    ctx.require('admin');
    return toTrainingRun(await retraining(ctx).cancel(id));
  }

  @Query(() => TrainingRun, { description: 'Admin: one training run (NOT_FOUND when absent).' })
  async trainingRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    ctx.require('admin');
    const run = await retraining(ctx).get(id);
    if (!run) throw notFound('TrainingRun', id);
    return toTrainingRun(run);
  }

  @Query(() => TrainingRunPage, { description: 'Admin: training runs, newest first.' })
  async trainingRuns(
    @Arg('first', () => Int, { defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<TrainingRunPage> {
    ctx.require('admin');
    const page = await retraining(ctx).list(first, after);
    return { items: page.items.map(toTrainingRun), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }

  @Subscription(() => TrainingRun, {
    description:
      'Admin (connectionParams { Authorization: "Bearer <token>" }): the run now, then every change, over graphql-ws; completes when the run is final.',
    subscribe: async ({ args, context }) => {
      const ctx = context as GraphQLContext;
      ctx.require('admin');
      return retraining(ctx).subscribe(String(args.runId));
    },
  })
  trainingProgress(@Root() run: TrainingRunRecord, @Arg('runId', () => ID) _runId: string): TrainingRun {
    return toTrainingRun(run);
  }
}
