// Stable error codes for what a user can run into, each with a message that says what to do.

export type ErrorCode =
  | 'FL_ERR_CONFIG_NOT_FOUND'
  | 'FL_ERR_CONFIG_PARSE'
  | 'FL_ERR_CONFIG_INVALID'
  | 'FL_ERR_USAGE'
  | 'FL_ERR_RULE_LOAD'
  | 'FL_ERR_DEVICE_LOAD'
  | 'FL_ERR_PORT_IN_USE'
  | 'FL_ERR_NO_LOG'
  | 'FL_ERR_SETUP_EXISTS'
  | 'FL_ERR_BACKUP_EXISTS'
  | 'FL_ERR_BACKUP_FAILED'
  | 'FL_ERR_SERVICE_INSTALL'
  | 'FL_ERR_BROKER_CA_FILE'
  | 'FL_ERR_PUBLISH_TIMEOUT'
  | 'FL_ERR_BROKER_OFFLINE'
  | 'FL_ERR_NOT_FOUND'
  | 'FL_ERR_HTTP_TOKEN_REQUIRED'
  | 'FL_ERR_HTTP_UNAUTHORIZED'
  | 'FL_ERR_HTTP_RATE_LIMITED'
  | 'FL_ERR_HTTP_BAD_REQUEST'
  | 'FL_ERR_HTTP_METHOD'
  | 'FL_ERR_HTTP_HOST'
  | 'FL_ERR_HTTP_INTERNAL'
  | 'FL_ERR_MQTT_AUTH_REQUIRED'
  | 'FL_ERR_MQTT_TLS_FILE'
  | 'FL_ERR_STORAGE_CORRUPT';

export class FirstlightError extends Error {
  readonly code: ErrorCode;
  /** Lines of detail (e.g. one per invalid config field). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, details: readonly string[] = []) {
    super(message);
    this.name = 'FirstlightError';
    this.code = code;
    this.details = details;
  }
}
