import { UseMiddleware, type MiddlewareFn } from 'type-graphql';

/**
 * Who may read a guarded field (issue 13, README "Access model"):
 * - 'read': personal data beyond the search answer: metadata, enrolled images, image hashes
 *   (a hash lets anyone test whether a known photo is enrolled). Role read and up.
 * - 'names': Identity.name. Role read and up, and search too when SIAMESE_SEARCH_NAMES is on.
 */
export type FieldAudience = 'read' | 'names';

/** The part of the GraphQL context the decorator needs (src/resolvers/context.ts implements it). */
export interface FieldAccessContext {
  requireField(audience: FieldAudience, field: string): void;
}

/**
 * Guards one field: selecting it without the role answers FORBIDDEN at the field's path
 * (`extensions.field`, `requiredRole`). A field that is not selected costs nothing.
 */
export function Restricted(audience: FieldAudience): MethodDecorator & PropertyDecorator {
  const guard: MiddlewareFn<FieldAccessContext> = ({ context, info }, next) => {
    context.requireField(audience, `${info.parentType.name}.${info.fieldName}`);
    return next();
  };
  return UseMiddleware(guard);
}
