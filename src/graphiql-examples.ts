/**
 * The document GraphiQL opens with (until a browser has tabs of its own saved): one example of each kind of
 * operation. A test validates it against the schema, so it cannot drift from it.
 */
export const GRAPHIQL_EXAMPLES = `# Examples of each operation: put the cursor in one
# and press the run button (Ctrl-Enter).
# With API keys on, add under Headers:
#   {"Authorization": "Bearer <your key>"}
# On the simulator (npm run demo), prompt directives such as
# "[sim:blocked]" choose what it answers.

# The models, image aspects and video aspects the server accepts.
query Options {
  options {
    models { id value description }
    aspects { id ratio value }
    videoAspects { id value }
  }
}

# Generates images and waits for them (5-70 s depending on the model).
mutation CreateImage {
  createImage(
    input: { query: "a lighthouse at dawn", model: GPT4O, aspect: LANDSCAPE }
  ) {
    __typename
    ... on ImageGeneration { taskId prompt model aspect images { url } }
    ... on Error { code message }
    ... on RateLimitedError { retryAfterSeconds }
  }
}

# Submits a video and returns its task at once. Put its id in
# Variables as {"id": "..."} and run VideoProgress to follow it.
mutation CreateVideo {
  createVideo(
    input: { query: "waves on a beach", aspect: LANDSCAPE, mode: FAST }
  ) {
    __typename
    ... on VideoTask { id status mode }
    ... on Error { code message }
  }
}

subscription VideoProgress($id: ID!) {
  videoTaskUpdated(id: $id) {
    id
    status
    mode
    video
    durationSeconds
    error
    errorCode
  }
}

# Your tasks, newest first.
query Tasks {
  tasks(first: 10) {
    edges {
      node {
        __typename
        id
        status
        prompt
        error
        ... on ImageTask { images { url } }
        ... on VideoTask { video }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;
