/**
 * The placeholders the server fills. Kept here rather than imported from the contract, whose
 * schema code would come along into the bundle; a test holds the canned list equal to it.
 */
export const cannedPlaceholders = [
  'customer',
  'customerFirstName',
  'email',
  'number',
  'subject',
  'agent',
  'agentFirstName',
  'workspace',
] as const;

/** The acknowledgement's placeholders (`modules/conversations/acknowledgements.ts`); {number} is required. */
export const acknowledgementPlaceholders = [
  'greeting',
  'name',
  'number',
  'subject',
  'workspace',
  'portalUrl',
  'expectedResponse',
] as const;

/** Puts `{name}` into a text at the caret (or at the end), returning the text and the new caret. */
export function insertPlaceholder(
  text: string,
  name: string,
  at: number | null,
): { text: string; caret: number } {
  const token = `{${name}}`;
  const position = at === null || at < 0 || at > text.length ? text.length : at;
  return {
    text: text.slice(0, position) + token + text.slice(position),
    caret: position + token.length,
  };
}
