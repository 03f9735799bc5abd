import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

/** The access ladder of src/services/access/roles.ts; the GraphQL values are the names in capitals. */
export enum AccessRoleEnum {
  NONE = 'none',
  SEARCH = 'search',
  READ = 'read',
  ENROLL = 'enroll',
  ADMIN = 'admin',
}

registerEnumType(AccessRoleEnum, {
  name: 'AccessRole',
  description:
    'What a caller may do; each role includes the ones before it. NONE: only `viewer`. SEARCH: verify, searchSimilar, detectFaces, model with images the caller sends (answers carry identity ids; names only with SIAMESE_SEARCH_NAMES). READ: also identities, names, metadata, image hashes, imageId inputs, verifyIdentity. ENROLL: also createIdentity, enrollImages, labelPair. ADMIN: everything (deletes, retraining, model activation, API keys).',
});

@ObjectType({ description: 'An API key for one application. The key itself is shown once, by createApiKey; only its SHA-256 is stored.' })
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Who the key is for (the application).' })
  name!: string;

  @Field(() => AccessRoleEnum)
  role!: AccessRoleEnum;

  @Field(() => String, { description: 'The first characters of the key ("sk_" + 8), to recognise it; not enough to use it.' })
  prefix!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Last accepted use, to the minute (null: never used).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked (null: active). Other server processes refuse it within 5 s.' })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'The answer of createApiKey: the key, shown this once, and its record.' })
export class CreatedApiKey {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <key>". Store it now: the server keeps only its hash.' })
  key!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}

@ObjectType({ description: 'Who the server takes the caller for, and what it may read.' })
export class Viewer {
  @Field(() => AccessRoleEnum)
  role!: AccessRoleEnum;

  @Field(() => Boolean, { description: 'A valid credential (API key or admin token) was sent; false: anonymous.' })
  authenticated!: boolean;

  @Field(() => ID, { nullable: true, description: 'The API key used, if any.' })
  apiKeyId!: string | null;

  @Field(() => Boolean, { description: 'Whether Identity.name may be selected.' })
  seesIdentityNames!: boolean;

  @Field(() => Boolean, { description: 'Whether metadata, enrolled images, hashes and imageId inputs are allowed (role read or more).' })
  seesPersonalData!: boolean;
}
