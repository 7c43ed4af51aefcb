/**
 * Stable error codes and the one table that maps them to HTTP statuses.
 * The server, the web app, the widget and the CLI all read errors through this table,
 * so a code means the same thing everywhere. Codes never change once released.
 */
export const errorStatus = {
  validation_failed: 400,
  unknown_custom_field: 400,
  invalid_time_zone: 400,
  malformed_json: 400,
  push_endpoint_refused: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  reset_token_invalid: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  two_factor_invalid: 401,
  two_factor_code_used: 401,
  two_factor_expired: 401,
  two_factor_locked: 401,
  portal_session_invalid: 401,
  portal_code_invalid: 401,
  portal_link_invalid: 401,
  portal_challenge_expired: 401,
  portal_challenge_used: 401,
  portal_challenge_locked: 401,
  visitor_token_invalid: 401,
  user_hash_invalid: 401,
  forbidden: 403,
  csrf_failed: 403,
  insufficient_scope: 403,
  not_found: 404,
  route_not_found: 404,
  user_not_found: 404,
  token_not_found: 404,
  invitation_not_found: 404,
  conversation_not_found: 404,
  message_not_found: 404,
  custom_field_not_found: 404,
  view_not_found: 404,
  mailbox_not_found: 404,
  inbound_email_not_found: 404,
  contact_not_found: 404,
  identity_not_found: 404,
  organization_not_found: 404,
  team_not_found: 404,
  skill_not_found: 404,
  absence_not_found: 404,
  routing_rule_not_found: 404,
  widget_not_found: 404,
  canned_response_not_found: 404,
  calendar_not_found: 404,
  sla_policy_not_found: 404,
  push_subscription_not_found: 404,
  conflict: 409,
  address_taken: 409,
  email_taken: 409,
  workspace_required: 409,
  idempotency_key_reused: 409,
  identity_taken: 409,
  last_identity: 409,
  domain_taken: 409,
  team_name_taken: 409,
  skill_taken: 409,
  absence_overlaps: 409,
  too_many_tags: 409,
  shortcut_taken: 409,
  calendar_name_taken: 409,
  calendar_in_use: 409,
  two_factor_enabled: 409,
  two_factor_not_enabled: 409,
  two_factor_setup_required: 409,
  invitation_used: 410,
  reset_token_expired: 410,
  reset_token_used: 410,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: Record<string, unknown>;
  };
}

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorStatus, value);
}
