/** The image and video URLs a job's results point at. Names derive from the job id, so every poll agrees. */

import { createHash } from 'node:crypto';
import type { SimJob } from './jobs.js';
import type { UrlStyle } from './scenario.js';

/** The images Bing puts in place of filtered output. */
export const PLACEHOLDER_IMAGES = [
  'https://r.bing.com/rp/in-2zU3AJUdkgFe7ZKv19yPBHVs.png',
  'https://r.bing.com/rp/TX9QuO3WzcCJz1uaaSwQAz39Kb0.jpg',
] as const;

const PREFIX: Record<SimJob['kind'], string> = {
  DALLE: 'OIG1',
  GPT4O: 'OIG4',
  MAI1: 'OIG2',
  VIDEO: 'OIG1',
  VIDEO_STANDARD: 'OIG1',
};

function token(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('base64url').replace(/[-_]/g, 'x').slice(0, length);
}

export function imageCount(job: SimJob): number {
  return job.kind === 'DALLE' ? 4 : 1;
}

/** `OIG1.<token>` style names; `index` 'partial' names the blurred GPT-4o preview. */
export function imageName(job: SimJob, index: number | 'partial'): string {
  return `${PREFIX[job.kind]}.${token(`${job.id}/${index}`, 20)}`;
}

/** One image URL as it appears in the HTML, `&` already written as `&amp;`. */
export function imageSrc(style: UrlStyle, name: string, origin: string, size = 270): string {
  switch (style) {
    case 'absolute':
      return `https://tse1.mm.bing.net/th/id/${name}?w=${size}&amp;h=${size}&amp;c=6&amp;pid=ImgGn`;
    case 'relative':
      return `/th/id/${name}?w=${size}&amp;h=${size}&amp;pid=ImgGn`;
    case 'origin':
      return size === 270 ? `${origin}/th/id/${name}?pid=ImgGn` : `${origin}/th/id/${name}?w=${size}&amp;pid=ImgGn`;
  }
}

/** The names (`OIG1.xxx`) of the images a job's result lists, in order: what a client should return. */
export function resultImageNames(job: SimJob): string[] {
  return Array.from({ length: imageCount(job) }, (_, i) => imageName(job, i));
}

/**
 * The finished video's URL, unescaped. The `ourl` forms carry a literal `&amp;` after `pid`, which a
 * client must keep as it is: unescaping `\u0026amp;` to a plain `&` would be one entity pass too many.
 */
export function videoUrl(job: SimJob, origin: string): string {
  const s = job.scenario;
  const base = s.videoHost === 'bing' ? 'https://th.bing.com' : origin;
  // JSON value[] and the detail call carry a plain mp4 URL, without the `pid` of the other forms.
  const query =
    s.video === 'showcontent'
      ? 'pid=videocreator'
      : s.video === 'value' || s.video === 'cards'
        ? 'mkt=en-US'
        : `pid=videocreator&sig=${token(job.id, 8)}&amp;mkt=en-US`;
  const thumb = s.videoThumb ? '&w=320&h=180' : '';
  return `${base}/videos/${job.id}.mp4?${query}${thumb}`;
}
