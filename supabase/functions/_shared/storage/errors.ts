/**
 * A failure of upload storage, with an HTTP-like status and a message (never a key). Status 413: the stored object
 * is larger than the storage reads (`maxObjectBytes`), so it was not read.
 */
export class StorageError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}
