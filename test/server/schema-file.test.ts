import * as fs from 'fs';
import * as path from 'path';
import { buildGraphQLSchema, schemaToSdl } from '../../src/server/schema';

describe('schema.graphql', () => {
  it('is the schema the code emits (run `npx siamese emit-schema` after changing the API)', async () => {
    const emitted = schemaToSdl(await buildGraphQLSchema());
    const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(emitted);
  });

  it('exposes the contract names', async () => {
    const schema = await buildGraphQLSchema();
    const q = Object.keys(schema.getQueryType()!.getFields());
    const m = Object.keys(schema.getMutationType()!.getFields());
    expect(q).toEqual(expect.arrayContaining(['verify', 'searchSimilar', 'identity', 'identities', 'model']));
    expect(m).toEqual(expect.arrayContaining(['createIdentity', 'enrollImages', 'deleteIdentity', 'deleteImage']));
    const input = schema.getType('ImageInput') as unknown as { getFields(): Record<string, unknown> };
    expect(Object.keys(input.getFields()).sort()).toEqual(['base64', 'imageId', 'upload']);
  });
});
