import { referencesEnrolledImage, type ImageInputLike } from '../services/image-input';
import type { GraphQLContext } from './context';

/**
 * Refuses `{ imageId }` inputs the caller may not use, naming the argument, before any of
 * them is looked up (so the refusal does not depend on whether the image exists).
 */
export function requireImageInputsAllowed(ctx: GraphQLContext, named: Record<string, ImageInputLike | null | undefined>): void {
  for (const [argument, input] of Object.entries(named)) {
    if (referencesEnrolledImage(input)) ctx.requireImageIdAllowed(argument);
  }
}
