import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import { FaceDetection, ImageInput } from '../schema';
import type { GraphQLContext } from './context';
import { faceDetection } from './mappers';
import { requireImageInputsAllowed } from './access';

@Resolver()
export class FaceDetectionResolver {
  @Query(() => [FaceDetection], {
    description:
      "Every face the served model's face stage finds in the image, largest first (the first is the one verify, searchSimilar and enrollImages use); [] when there is none. BAD_USER_INPUT when the model has no face stage.",
    complexity: 50,
  })
  async detectFaces(@Arg('image', () => ImageInput) image: ImageInput, @Ctx() ctx: GraphQLContext): Promise<FaceDetection[]> {
    ctx.require('search');
    requireImageInputsAllowed(ctx, { image });
    return (await ctx.services.faces.detectFaces(image)).map(faceDetection);
  }
}
