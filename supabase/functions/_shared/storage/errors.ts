/**
 * A failure of upload storage, with an HTTP-like status and a message (never a key). Status 413: the stored object
 * is larger than the storage reads (`maxObjectBytes`), so it was not read. Status 504: {@link StorageTimeout}.
 */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** Storage did not answer in time (no answer, or a body that stopped coming): a passing failure, status 504. */
export class StorageTimeout extends StorageError {
  constructor(
    message: string,
    /** The time that was allowed, in milliseconds. */
    readonly timeoutMs: number,
    options?: ErrorOptions,
  ) {
    super(504, message, options);
    this.name = 'StorageTimeout';
  }
}
