// What a MySQL / MariaDB error means to the transaction runner: run the transaction again
// (deadlock, lock wait timeout), the server is unreachable (connection errors), or a real fault.

/** The fields of a mysql2 error this module reads. */
interface MysqlDriverError {
  code?: string;
  errno?: number;
  /** mysql2 sets it when the connection is unusable afterwards. */
  fatal?: boolean;
}

export type MysqlErrorKind = 'retry' | 'unavailable' | 'other';

/** InnoDB chose this transaction as a deadlock victim and rolled it back whole. */
const erLockDeadlock = 1213;
/** A row lock was waited for past innodb_lock_wait_timeout; only the statement was rolled back. */
const erLockWaitTimeout = 1205;

/** Server answers that mean "not now" rather than "never": it is shutting down or full. */
const unavailableErrnos = new Set([
  1040, // ER_CON_COUNT_ERROR: too many connections
  1053, // ER_SERVER_SHUTDOWN
  1927, // ER_CONNECTION_KILLED (MariaDB)
  4031, // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8: the server closed an idle connection)
]);

/** Socket and protocol failures of the driver itself (no errno). */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOENT', // a unix_socket that is not there (the server is down)
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'PROTOCOL_ENQUEUE_AFTER_QUIT',
]);

function driverErrorOf(error: unknown): MysqlDriverError | undefined {
  return typeof error === 'object' && error !== null ? (error as MysqlDriverError) : undefined;
}

export function classifyMysqlError(error: unknown): MysqlErrorKind {
  const driverError = driverErrorOf(error);
  if (driverError === undefined) return 'other';
  const { errno, code } = driverError;
  if (errno === erLockDeadlock || errno === erLockWaitTimeout) return 'retry';
  if ((errno !== undefined && unavailableErrnos.has(errno)) || (code !== undefined && unavailableCodes.has(code)))
    return 'unavailable';
  return driverError.fatal === true ? 'unavailable' : 'other';
}
