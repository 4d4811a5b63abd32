import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './errors.js';
import './accounts.js';
import './health.js';
import './options.js';
import './task.js';
import './image.js';
import './video.js';

export const schema = lexicographicSortSchema(builder.toSchema());
