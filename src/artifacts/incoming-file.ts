// One uploaded file of a request, received into a spool file as its bytes arrive, whether or
// not a resolver has asked for it yet: resolvers can wait for their files in any order (or
// not at all) without stalling the request. One resolver claims it and then owns the spool
// file; what nobody claims is discarded once the operation is over.
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { type AppError, badUserInput, isAppError, payloadTooLarge } from '../errors.js';
import { drain, spoolUpload, type SpooledFile } from './spool.js';
import { describeError } from '../error-text.js';

/** A file part as the multipart parser hands it over, once its headers have arrived. */
export interface ArrivingFile {
  /** The name the client sent (may contain a path; the upload pipeline sanitises it). */
  filename: string;
  /** The file's bytes; read once, here. */
  stream: Readable;
}

interface Arrival {
  filename: string;
  receiving: Promise<SpooledFile>;
}

export interface SpoolSettings {
  directory: string;
  maxBytes: number;
  flushWhileWriting: boolean;
}

export class IncomingFile {
  /** The name the client sent, once the file part begins. */
  readonly clientFilename: Promise<string>;
  /** The whole file in a spool file; rejects with a coded error when it did not arrive whole. */
  readonly received: Promise<SpooledFile>;
  private claimed = false;
  private arrived = false;
  private readonly discarding = new AbortController();
  /** Settles once nothing of this file will be written to the spool any more. */
  private spooling: Promise<SpooledFile | undefined> = Promise.resolve(undefined);
  private resolveArrival!: (arrival: Arrival) => void;
  private rejectArrival!: (error: AppError) => void;

  constructor(private readonly settings: SpoolSettings) {
    const arrival = new Promise<Arrival>((resolve, reject) => {
      this.resolveArrival = resolve;
      this.rejectArrival = reject;
    });
    this.clientFilename = arrival.then(({ filename }) => filename);
    this.received = arrival.then(({ receiving }) => receiving);
    // Awaited by the claimant, if any; a file nobody claims may fail unobserved.
    this.clientFilename.catch(() => {});
    this.received.catch(() => {});
  }

  /**
   * The file part's headers arrived: its bytes start going to the spool file at once. Returns
   * false, taking nothing, when a part already arrived for this file or it failed (the caller
   * drains it then).
   */
  arrive(file: ArrivingFile): boolean {
    if (this.arrived) return false;
    this.arrived = true;
    const receiving = this.spool(file);
    // Observed through `received` by the claimant, if any.
    receiving.catch(() => {});
    this.spooling = receiving;
    this.resolveArrival({ filename: file.filename, receiving });
    return true;
  }

  /** The file part will never arrive (it is missing, or the body broke off before it). */
  fail(error: unknown): void {
    if (this.arrived) return;
    this.arrived = true;
    this.rejectArrival(receiveError(error));
  }

  get isClaimed(): boolean {
    return this.claimed;
  }

  /**
   * Makes the caller the file's owner, who must `discard()` it when done. A file part can back
   * one argument only: its bytes become one artifact (and a second claim would race the first
   * owner's removal of the spool file).
   */
  claim(): void {
    if (this.claimed)
      throw badUserInput(
        'the same file part is used twice (mapped to two variables, or one variable used twice); send it once per use',
      );
    this.claimed = true;
  }

  /** Stops receiving (what is still to come is read and dropped) and removes the spool file. */
  async discard(): Promise<void> {
    this.discarding.abort(badUserInput('the upload was given up'));
    const spooled = await this.spooling.catch(() => undefined);
    if (spooled !== undefined) await rm(spooled.path, { force: true });
  }

  private async spool(file: ArrivingFile): Promise<SpooledFile> {
    if (this.discarding.signal.aborted) {
      drain(file.stream);
      throw this.discarding.signal.reason as Error;
    }
    // The stream's own errors are the request's (a malformed body, a disconnect); anything
    // else the spool throws (a full disk) is the server's.
    let streamError: unknown = file.stream.errored ?? undefined;
    file.stream.once('error', (error) => (streamError ??= error));
    try {
      return await spoolUpload(file.stream, this.settings.directory, this.settings.maxBytes, {
        flushWhileWriting: this.settings.flushWhileWriting,
        signal: this.discarding.signal,
      });
    } catch (error) {
      throw streamError !== undefined && !isAppError(error) ? receiveError(streamError) : error;
    }
  }
}

/**
 * The error to answer when a file did not arrive whole. The multipart parser's errors are
 * about the request; graphql-upload-minimal's carry an HTTP status (413 for its limits).
 */
function receiveError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message = describeError(error);
  const status = (error as { status?: unknown } | null)?.status;
  return status === 413 ? payloadTooLarge(message) : badUserInput(`the file did not arrive whole: ${message}`);
}
