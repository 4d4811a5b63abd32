import { readFileSync } from 'node:fs';

export interface Project {
  name: string;
  version: string | null;
  repository: string | null;
}

const FALLBACK: Project = { name: 'bing-image-creator-graphql', version: null, repository: null };

/** The project's name, version and repository as package.json states them (read once, at start). */
export function readProject(): Project {
  try {
    // ../../package.json is the project root both from src/rest/ and from dist/rest/.
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as Record<
      string,
      unknown
    >;
    const repository = pkg.repository as string | { url?: unknown } | undefined;
    const url =
      typeof repository === 'string' ? repository : typeof repository?.url === 'string' ? repository.url : null;
    return {
      name: typeof pkg.name === 'string' ? pkg.name : FALLBACK.name,
      version: typeof pkg.version === 'string' ? pkg.version : null,
      repository: url?.replace(/^git\+/, '').replace(/\.git$/, '') ?? null,
    };
  } catch {
    return FALLBACK;
  }
}
