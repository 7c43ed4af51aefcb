import type { ConversationFilters } from './schemas/conversations.js';
// No runtime import of the schemas: the agent app imports this file alone (`@parley/contract/builtin-views`).

/**
 * Views every agent has without saving anything; `me` is whoever looks. Their ids are
 * names, so the sidebar asks for their counts together with the saved ones (and the agent
 * app lists them with these same filters).
 */
export const builtInViews = {
  mine: { assignee: 'me', status: 'open' },
  unassigned: { assignee: 'unassigned', status: 'new' },
  open: { status: 'open' },
  pending: { status: 'pending' },
  on_hold: { status: 'on_hold' },
} satisfies Record<string, ConversationFilters>;
export type BuiltInView = keyof typeof builtInViews;
