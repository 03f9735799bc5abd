import { Field, ID, InputType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { GraphQLUpload } from 'graphql-upload-minimal';
import type { FileUpload } from 'graphql-upload-minimal';

/**
 * One image, given in exactly one of three ways. graphql 16 has no @oneOf
 * input, so "exactly one" is checked by the service (BAD_USER_INPUT).
 * The base64 payload's alphabet is checked by the service too, after it strips
 * an optional data-URL prefix, so its error can say what is wrong.
 */
@InputType({ description: 'An image: set exactly one of upload (multipart), base64, or imageId (an enrolled image).' })
export class ImageInput {
  @Field(() => GraphQLUpload, {
    nullable: true,
    description: 'A file sent per the GraphQL multipart request spec (send the Apollo-Require-Preflight header).',
  })
  upload?: Promise<FileUpload> | null;

  @Field(() => String, { nullable: true, description: 'The image file bytes, base64-encoded (a data: URL prefix is accepted).' })
  @IsOptional()
  @MaxLength(256 * 1024 * 1024)
  base64?: string | null;

  @Field(() => ID, { nullable: true, description: 'The id of an enrolled image.' })
  @IsOptional()
  @MaxLength(64)
  imageId?: string | null;
}
