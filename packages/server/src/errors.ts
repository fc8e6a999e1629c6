/** The errors a request can meet, each with its HTTP status and the code of its JSON body. */
import type { ErrorBody } from './codecs.js';

/** The `error` code of each kind of failure, with its HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unsolvable_puzzle: 422,
  internal: 500,
  overloaded: 503,
  timeout: 504,
} as const;

/** An error code of the API. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** A failed request: its code (and so its status), a message, the field at fault, and for 503 when to retry. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: (typeof ERROR_STATUS)[ErrorCode];

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail: { readonly field?: string; readonly reason?: string; readonly retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }

  /** The JSON body of the error response. */
  body(): ErrorBody {
    return {
      error: this.code,
      message: this.message,
      ...(this.detail.field === undefined ? {} : { field: this.detail.field }),
      ...(this.detail.reason === undefined ? {} : { reason: this.detail.reason }),
    };
  }
}
