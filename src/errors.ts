/** Every error the library throws on purpose; `code` is stable, the message names the bad value. */
export type AnnoyErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DIMENSION_MISMATCH'
  | 'NOT_FINITE'
  | 'INVALID_ID'
  | 'INVALID_STATE'
  | 'CORRUPT_INDEX'
  | 'UNSUPPORTED_VERSION'
  | 'CAPACITY'
  | 'CLOSED'
  | 'QUEUE_FULL'
  | 'WORKER_FAILED'
  | 'FETCH_FAILED';

export class AnnoyError extends Error {
  readonly code: AnnoyErrorCode;

  constructor(code: AnnoyErrorCode, message: string) {
    super(message);
    this.name = 'AnnoyError';
    this.code = code;
  }
}

/** A value as it should appear inside an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value !== null && typeof value === 'object') return `an object`;
  return String(value);
}
