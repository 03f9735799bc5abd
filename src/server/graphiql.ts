import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

/**
 * GraphiQL served inline: @graphql-yoga/render-graphiql bundles GraphiQL,
 * React, Monaco and its workers into the HTML itself, so the page works with
 * no network beyond this server (test/server/graphiql.test.ts checks the HTML
 * references no external script, stylesheet or font).
 */
const SEARCH = `# Who is this? One entry per identity, closest first.
# Paste an image as base64 (e.g. \`base64 -w0 face.png\`) into the variables.
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

const VERIFY = `# Are these two images the same identity?
# Either side can be base64 or the id of an enrolled image.
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
# \`identities\` needs role read: send "Authorization": "Bearer <API key or admin token>" (README "Access model").
query Model {
  model {
    version
    metric
    thresholds { default defaultRule eer maxAccuracy atTargetFar targetFar }
    auc
    eer
    indexedVectors
  }
  viewer { role authenticated seesIdentityNames seesPersonalData }
}

query Identities {
  identities(first: 10) {
    totalCount
    edges { cursor node { id name imageCount } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const ENROLL = `# Admin: set the header "Authorization": "Bearer <SIAMESE_ADMIN_TOKEN>" below.
mutation Enroll($image: String!) {
  createIdentity(name: "Ada", metadata: { team: "demo" }) { id name }
}

mutation AddImage($identityId: ID!, $image: String!) {
  enrollImages(identityId: $identityId, images: [{ base64: $image }]) { id width height face { box { x y width height } score } }
}

mutation Forget($identityId: ID!) {
  deleteIdentity(id: $identityId)
}`;

export function graphiqlHtml(endpoint = '/graphql'): string {
  const noImage = JSON.stringify({ image: '<base64 image>' }, null, 2);
  return renderGraphiQL({
    title: 'siamese-search GraphiQL',
    endpoint,
    defaultTabs: [
      { query: MODEL },
      { query: SEARCH, variables: noImage },
      { query: VERIFY, variables: JSON.stringify({ a: '<base64 image>', b: '<base64 image>' }, null, 2) },
      { query: DETECT, variables: noImage },
      {
        query: ENROLL,
        variables: JSON.stringify({ identityId: '<id from createIdentity>', image: '<base64 image>' }, null, 2),
        headers: JSON.stringify({ Authorization: 'Bearer <SIAMESE_ADMIN_TOKEN>' }, null, 2),
      },
    ],
    logo: 'siamese-search',
  });
}
