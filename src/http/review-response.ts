import { ADMISSION_API_VERSION } from '../admission/review.js';

export interface ReviewAnswer {
  readonly allowed: boolean;
  /** HTTP-like code for a denial; the apiserver forces anything below 400 to 400. */
  readonly code?: number;
  readonly message?: string;
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
}

/** Allowed, with nothing to say: one object, so every answer of it renders the same. */
export const ALLOWED: ReviewAnswer = Object.freeze({ allowed: true });

export interface AdmissionReviewResponse {
  apiVersion: string;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { code: number; message: string; status: 'Failure'; reason: string };
    warnings?: string[];
    auditAnnotations?: Record<string, string>;
  };
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  403: 'Forbidden',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  503: 'ServiceUnavailable',
};

/**
 * The answer the apiserver accepts: the request's uid echoed, admission.k8s.io/v1, never a patch
 * (a validating webhook that returns one fails the call).
 */
export function reviewResponse(uid: string, a: ReviewAnswer): AdmissionReviewResponse {
  const response: AdmissionReviewResponse['response'] = { uid, allowed: a.allowed };
  if (!a.allowed) {
    const code = a.code ?? 403;
    response.status = {
      code,
      message: a.message ?? 'denied by ipguard',
      status: 'Failure',
      reason: REASONS[code] ?? 'Forbidden',
    };
  }
  if (a.warnings && a.warnings.length > 0) response.warnings = [...a.warnings];
  if (a.auditAnnotations && Object.keys(a.auditAnnotations).length > 0)
    response.auditAnnotations = { ...a.auditAnnotations };
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}
