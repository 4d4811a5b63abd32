import { readFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';

describe('schema.graphql', () => {
  it('is the printed schema (run `npm run schema` after changing src/schema)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(`${printSchema(schema)}\n`);
  });

  it('keeps the names clients rely on', () => {
    const printed = printSchema(schema);
    for (const name of [
      'enum ImageModel',
      'enum ImageAspect',
      'enum VideoAspect',
      'enum TaskStatus',
      'enum ErrorCode',
      'interface Error',
      'interface Task',
      'type VideoTask implements Task',
      'type ImageTask implements Task',
      'union CreateImageResult',
      'union CreateVideoResult',
      'createImage(input: CreateImageInput!): CreateImageResult!',
      'createVideo(input: CreateVideoInput!): CreateVideoResult!',
      'videoTaskUpdated(id: ID!): VideoTask!',
      'task(id: ID!): Task',
    ]) {
      expect(printed).toContain(name);
    }
  });
});
