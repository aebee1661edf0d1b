import type { FastifyInstance } from 'fastify';
import type { AdmissionRequest } from '../admission/review.js';
import type { RequestDigest } from './decision-memo.js';
import type { Rendered } from './validate.js';
import type { SeenMatch, SeenReviews } from './seen-reviews.js';

/** What a review's log line says of the request, besides its uid (each clipped to a bounded length). */
export interface ReviewLogFields {
  readonly operation: string | undefined;
  readonly resource: string | undefined;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly user: string | undefined;
  readonly dryRun: boolean;
}

/**
 * What a review's text says besides its uid, read once: the request, its memo digest and its log
 * fields. Every repeat of the text (another uid in the same place) has the same shape.
 */
export interface ReviewShape {
  /** The request as first read, with the first uid; a repeat replaces only the uid. */
  readonly request: AdmissionRequest;
  readonly autoscaler: boolean;
  /** For the decision memos; undefined when there are none, or the objects are too large to keep. */
  readonly digest: RequestDigest | undefined;
  /** The log line's request fields, without the uid. */
  readonly logFields: ReviewLogFields;
  /** The last answer rendered for it: a repeat with the same answer sends it again (see render). */
  rendered?: Rendered;
}

/** A body as the `application/json` parser hands it to the route: its text, and its JSON unless a repeat. */
export class ReviewText {
  readonly text: string;
  /** The parsed JSON; undefined for a known repeat (SeenMatch.known), which is not parsed again. */
  readonly value: unknown;
  /** The seen body this one repeats but for its uid, if any. */
  readonly repeat: SeenMatch<ReviewShape> | undefined;

  constructor(text: string, value: unknown, repeat: SeenMatch<ReviewShape> | undefined) {
    this.text = text;
    this.value = value;
    this.repeat = repeat;
  }

  /** A repeat whose shape is known without reading the text (see SeenMatch.known). */
  get knownRepeat(): SeenMatch<ReviewShape> | undefined {
    return this.repeat?.known === true ? this.repeat : undefined;
  }
}

/**
 * After a body was read as `request`: remember it, or settle whether the seen body it repeats has its
 * uid where it was found (then later repeats are not read at all). Returns the body's shape: the seen
 * body's when this one read back as it with its own uid, else `read()`'s.
 */
export function learnReview(
  seen: SeenReviews<ReviewShape>,
  body: ReviewText,
  request: AdmissionRequest,
  read: () => ReviewShape,
): ReviewShape {
  const repeat = body.repeat;
  if (!repeat) {
    const shape = read();
    seen.remember(body.text, request.uid, shape);
    return shape;
  }
  if (request.uid !== repeat.uid) {
    seen.forget(repeat.seen);
    return read();
  }
  // The text equals the seen one but in the span, and the span read back as this body's uid: the
  // request is the seen one under this uid, so its shape (digest, log fields, last rendering) is too.
  // The same uid again proves nothing about where it sits, but the text is the very one seen.
  if (repeat.uid !== repeat.seen.uid) seen.confirm(repeat.seen);
  return repeat.seen.value;
}

/**
 * `application/json` as fastify reads it (the same errors for an empty or broken body, a `__proto__`
 * key kept as data), but with the text kept, and a known repeat of a seen body not parsed again.
 */
export function addReviewBodyParser(app: FastifyInstance, seen: SeenReviews<ReviewShape>): void {
  const parseJson = app.getDefaultJsonParser('ignore', 'ignore');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    const body = text as string;
    const repeat = seen.match(body);
    if (repeat?.known === true) {
      done(null, new ReviewText(body, undefined, repeat));
      return;
    }
    void parseJson(request, body, (err, value) => {
      if (err) done(err, undefined);
      else done(null, new ReviewText(body, value, repeat));
    });
  });
}
