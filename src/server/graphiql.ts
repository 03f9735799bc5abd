import * as fs from 'fs';
import * as path from 'path';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

/**
 * GraphiQL served inline: @graphql-yoga/render-graphiql bundles GraphiQL,
 * React, Monaco and its workers into the HTML itself, so the page works with
 * no network beyond this server (test/server/graphiql.test.ts checks the HTML
 * references no external script, stylesheet or font).
 *
 * Every example runs as written (issue 14): each operation is valid against the
 * schema, uses every variable it declares, and its tab's variables fill every
 * required one, images included (examples/faces/, ORL portraits that the
 * default face model finds a face in). Only what a server cannot know is left to
 * paste: the admin token, and the id that CreateIdentity answers.
 * test/server/graphiql-examples.test.ts validates them against the built schema;
 * test/e2e/graphiql-examples.e2e.test.ts runs them on a server.
 */
const SEARCH = `# Who is this? One entry per identity, closest first. Any caller may search.
# The variables hold a photo as base64 (\`base64 < photo.png | tr -d '\\n'\` makes one from a file).
query Search($image: String!) {
  searchSimilar(image: { base64: $image }, k: 5) {
    identity { id imageCount }  # add \`name\` with an API key of role read (or SIAMESE_SEARCH_NAMES=true)
    distance
    similarity
    match      # distance ≤ threshold
    threshold  # open-set threshold for this gallery size (SIAMESE_OPEN_SET_FAR)
    face { box { x y width height } score }  # the query's face (face models; null otherwise)
  }
}`;

const VERIFY = `# Are these two images the same identity? (These two are not: two people.)
# Either side can also be { imageId: "…" }, an enrolled image (role read).
query Verify($a: String!, $b: String!) {
  verify(a: { base64: $a }, b: { base64: $b }) {
    match
    distance
    similarity
    threshold
    metric
    modelVersion
    faceA { box { x y width height } score }  # the faces compared (face models; null otherwise)
    faceB { box { x y width height } score }
  }
}`;

const DETECT = `# Which faces does the served model see? Largest first: the first is the one
# verify, searchSimilar and enrollImages use. (Models without a face stage: BAD_USER_INPUT.)
# An image without a face gives []; verify/search/enroll answer NO_FACE_DETECTED for it.
query DetectFaces($image: String!) {
  detectFaces(image: { base64: $image }) {
    box { x y width height }
    score
    keypoints { x y }  # left eye, right eye, nose tip, left and right mouth corners
  }
}`;

const MODEL = `# The active model and its calibration, and who the server takes you for.
query Model {
  model {
    version
    metric
    thresholds {
      default defaultRule eer maxAccuracy atTargetFar targetFar
      references { references threshold far frr }  # verifyIdentity's, by reference count
    }
    auc
    eer
    indexedVectors
  }
  viewer { role authenticated seesIdentityNames seesPersonalData }
}`;

const ADMIN = `# Enrolling needs role enroll, reading names role read, deleting role admin:
# put your SIAMESE_ADMIN_TOKEN (or an API key) in the Authorization header below (README "Access model").
# Run CreateIdentity, paste the id it answers into the variables' identityId, then AddImage and VerifyIdentity.
mutation CreateIdentity {
  createIdentity(name: "Ada", metadata: { team: "demo" }) { id name }
}

mutation AddImage($identityId: ID!, $image: String!) {
  enrollImages(identityId: $identityId, images: [{ base64: $image }]) { id width height face { box { x y width height } score } }
}

# Is this the enrolled identity? Compared with its references (several enrolled images: their centroid
# and the threshold the model calibrated for that many; README "Several references"). Role read.
query VerifyIdentity($identityId: ID!, $image: String!) {
  verifyIdentity(identityId: $identityId, image: { base64: $image }) {
    match distance threshold rule referenceImageIds enrolledImages
    calibration { references far frr }  # the card's validation rates for this many references (CENTROID)
  }
}

query Identities {
  identities(first: 10) {
    totalCount
    edges { cursor node { id name metadata imageCount } }
    pageInfo { hasNextPage endCursor }
  }
}

mutation Forget($identityId: ID!) {
  deleteIdentity(id: $identityId)
}`;

/** The shipped example photos, as base64 (a placeholder where they are not installed). */
const EXAMPLES_DIR = path.resolve(__dirname, '../../examples/faces');
function examplePhoto(file: string): string {
  try {
    return fs.readFileSync(path.join(EXAMPLES_DIR, file)).toString('base64');
  } catch {
    return `<base64 image: examples/faces/${file} is not installed>`;
  }
}

export const ADMIN_TOKEN_PLACEHOLDER = '<SIAMESE_ADMIN_TOKEN or an API key>';
export const IDENTITY_ID_PLACEHOLDER = '<the id CreateIdentity answered>';

export interface GraphiqlTab {
  query: string;
  /** JSON text, as GraphiQL's variables editor holds it. */
  variables?: string;
  /** JSON text, as GraphiQL's headers editor holds it. */
  headers?: string;
}

/** GraphiQL's default tabs, in order. */
export function graphiqlTabs(): GraphiqlTab[] {
  const person = examplePhoto('orl-s36-8.png');
  const stranger = examplePhoto('orl-s32-8.png');
  const json = (v: unknown) => JSON.stringify(v, null, 2);
  return [
    { query: MODEL },
    { query: SEARCH, variables: json({ image: person }) },
    { query: VERIFY, variables: json({ a: person, b: stranger }) },
    { query: DETECT, variables: json({ image: person }) },
    {
      query: ADMIN,
      variables: json({ identityId: IDENTITY_ID_PLACEHOLDER, image: person }),
      headers: json({ Authorization: `Bearer ${ADMIN_TOKEN_PLACEHOLDER}` }),
    },
  ];
}

export function graphiqlHtml(endpoint = '/graphql'): string {
  return renderGraphiQL({
    title: 'siamese-search GraphiQL',
    endpoint,
    defaultTabs: graphiqlTabs(),
    logo: 'siamese-search',
  });
}
