/**
 * Apollo Client with the typed documents: every result and variable below is checked against schema.graphql.
 * Run: npx tsx examples/apollo.ts http://127.0.0.1:7860
 */
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { CreateImageDocument, OptionsDocument } from './generated.js';

export async function apolloExample(server: string, apiKey?: string): Promise<string[]> {
  const client = new ApolloClient({
    link: new HttpLink({
      uri: `${server}/graphql`,
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
    }),
    cache: new InMemoryCache(),
  });
  const { data: options } = await client.query({ query: OptionsDocument });
  const model = options?.options.models[0]?.id ?? 'DALLE';
  const { data } = await client.mutate({
    mutation: CreateImageDocument,
    variables: { input: { query: 'a lighthouse at dusk', model, aspect: 'LANDSCAPE' } },
  });
  const result = data?.createImage;
  if (result?.__typename !== 'ImageGeneration') {
    throw new Error(result && 'code' in result ? `${result.code}: ${result.message}` : 'no answer');
  }
  return result.images.map((image) => image.url);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await apolloExample(process.argv[2] ?? 'http://127.0.0.1:7860', process.env.API_KEY));
}
