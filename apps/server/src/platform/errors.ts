import { errorStatus, type ErrorBody, type ErrorCode } from '@parley/contract';

/**
 * The one error type. `code` is stable and maps to the HTTP status through the contract's
 * table; `message` is safe to show to the person who made the request; `internal` never
 * leaves the server (it goes to the log).
 */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly internal: string | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      details?: Record<string, unknown>;
      internal?: string;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = options.details;
    this.internal = options.internal;
    this.headers = options.headers;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toJSON(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
      },
    };
  }
}

export const notFound = (what: string, code: ErrorCode = 'not_found'): AppError =>
  new AppError(code, `${what} was not found`);

export const forbidden = (message = 'You are not allowed to do this'): AppError =>
  new AppError('forbidden', message);
