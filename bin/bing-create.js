#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so that it works from a clone right after `npm ci`, with no build.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
