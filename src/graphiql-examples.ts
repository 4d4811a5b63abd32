/**
 * The document GraphiQL opens with (until a browser has tabs of its own saved): one example of each kind of
 * operation. A test validates it against the schema, so it cannot drift from it.
 */
export const GRAPHIQL_EXAMPLES = `# Examples of each operation. Put the cursor in one and press the run button (Ctrl-Enter).
# With API keys on, add {"Authorization": "Bearer <your key>"} under Headers.
# Prompt directives such as "[sim:blocked]" steer the simulator when the server runs on it (npm run demo).

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
  createImage(input: { query: "a lighthouse at dawn", model: GPT4O, aspect: LANDSCAPE }) {
    __typename
    ... on ImageGeneration { taskId prompt model aspect images { url } }
    ... on Error { code message }
    ... on RateLimitedError { retryAfterSeconds }
  }
}

# Submits a video and returns its task at once: copy its id into Variables as {"id": "..."}
# and run VideoProgress to follow it until the video is there.
mutation CreateVideo {
  createVideo(input: { query: "waves rolling onto a beach", aspect: LANDSCAPE, mode: FAST }) {
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
