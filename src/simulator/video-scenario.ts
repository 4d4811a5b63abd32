/**
 * The video creator's own directives, read from the prompt beside the shared ones (scenario.ts), and the
 * simulator-wide video settings a test can change (fast creations per cookie, where the count is shown,
 * what the upload answers).
 *
 * Submit
 *   [sim:need-ig]              a submit without the warm-up page's IG and IID answers 200 (that page), not 302
 *   [sim:video-id-in-body]     the submit answers 200 with the id in `og:url` and a link, no Location
 *   [sim:video-throttle]       the submit answers 200 with "Too many requests. You have too many concurrent creations"
 *   [sim:video-unavailable=T]  the submit answers 200 with `<div id="gil_err_msg">T</div>`
 * Poll
 *   [sim:video=value]          finished: JSON `value: [{ contentUrl, width, height, encodingFormat: "mp4", duration }]`
 *   [sim:video=cards]          finished: HTML cards linking `view=detailv2 ... datatype=video`; the detail call has the video
 *   [sim:pending-showcontent]  while pending: `{"errorMessage":"Pending","showContent":"","enableDebug":false}`
 *   [sim:no-generator-results] the generator's results path answers 404 (only Image Creator's works)
 *   [sim:video-fail=TEXT]      finished: an HTML page with `<div id="gil_err_msg">TEXT</div>`
 *   [sim:video-seconds=N]      the finished video is N seconds long (default 8)
 */

export interface VideoScenario {
  needIg: boolean;
  idInBody: boolean;
  throttle: boolean;
  unavailable: string | null;
  pendingShowContent: boolean;
  noGeneratorResults: boolean;
  fail: string | null;
  seconds: number;
}

export const DEFAULT_VIDEO_SCENARIO: Readonly<VideoScenario> = Object.freeze({
  needIg: false,
  idInBody: false,
  throttle: false,
  unavailable: null,
  pendingShowContent: false,
  noGeneratorResults: false,
  fail: null,
  seconds: 8,
});

const DIRECTIVE = /\[sim:([a-z0-9-]+)(?:=([^\]]*))?\]/gi;

export function parseVideoDirectives(prompt: string): VideoScenario {
  const scenario: VideoScenario = { ...DEFAULT_VIDEO_SCENARIO };
  for (const m of prompt.matchAll(DIRECTIVE)) {
    const value = m[2];
    switch (m[1]!.toLowerCase()) {
      case 'need-ig':
        scenario.needIg = true;
        break;
      case 'video-id-in-body':
        scenario.idInBody = true;
        break;
      case 'video-throttle':
        scenario.throttle = true;
        break;
      case 'video-unavailable':
        scenario.unavailable = value ?? 'Something went wrong. Please try again later.';
        break;
      case 'pending-showcontent':
        scenario.pendingShowContent = true;
        break;
      case 'no-generator-results':
        scenario.noGeneratorResults = true;
        break;
      case 'video-fail':
        scenario.fail = value ?? "We couldn't create your video.";
        break;
      case 'video-seconds': {
        const seconds = Number(value);
        if (Number.isInteger(seconds) && seconds > 0 && seconds < 3600) scenario.seconds = seconds;
        break;
      }
      default:
        break;
    }
  }
  return scenario;
}

/** Where the video pages state the fast creations left, in the forms seen over the years (`none`: nowhere). */
export type FastCountForm = 'remaining' | 'aria' | 'text' | 'none';
export const FAST_COUNT_FORMS: readonly FastCountForm[] = ['remaining', 'aria', 'text', 'none'];

/** What the upload answers: a `bcid`, a 500, or a JSON error. */
export type UploadBehaviour = 'ok' | 'error' | 'json-error';

export interface VideoConfiguration {
  /** Free fast creations each cookie starts with (default 100); null: unlimited (and never shown). */
  fastCreations?: number | null;
  fastCountForm?: FastCountForm;
  /** Whether the count is also on the warm-up page (it is always on the count page). */
  countOnWarmUp?: boolean;
  upload?: UploadBehaviour;
}
