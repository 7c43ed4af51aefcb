import type { Channel, Priority, RoutingActions, RoutingConditions } from '@parley/contract';
import { sql } from 'kysely';
import type { Tx } from '../../database.js';
import { baseLanguage, matchRule, type ConversationFacts, type RuleMatch } from './match.js';

// What routing decides only when a conversation arrives, before any agent is picked: the
// first matching rule (team, required skills, priority, tags, whether it escalates), the
// workspace's default team when no rule matched, and triage's language skill for teams that
// ask for it. route.ts then picks the agent.

/** The conversation as routing reads (and, on arrival, changes) it. */
export interface ConversationRow {
  id: string;
  status: string;
  assigneeId: string | null;
  teamId: string | null;
  requiredSkills: string[];
  priority: Priority;
  tags: string[];
  channel: Channel;
  language: string | null;
  subject: string;
  contactId: string;
  category: string | null;
  customFields: Record<string, unknown>;
}

export interface AppliedRule {
  id: string;
  name: string;
  held: RuleMatch['held'];
}

export interface ArrivalDecision {
  rule: AppliedRule | null;
  defaultTeam: { id: string; name: string; reason: 'no_rule_matched' } | null;
  escalatedFrom: { teamId: string | null } | null;
  languageSkill: { id: string; value: string } | null;
}

/**
 * Applies the arrival decisions to `current` (the conversation as routing sees it) and
 * records each field that changed in `changes`; the caller writes them.
 */
export async function applyArrival(
  trx: Tx,
  workspaceId: string,
  conversation: ConversationRow,
  current: ConversationRow,
  changes: Record<string, unknown>,
  at: Date,
): Promise<ArrivalDecision> {
  let rule: AppliedRule | null = null;
  let defaultTeam: ArrivalDecision['defaultTeam'] = null;
  let escalatedFrom: ArrivalDecision['escalatedFrom'] = null;
  let languageSkill: ArrivalDecision['languageSkill'] = null;
  // The enabled rules in the order they are tried (position, then creation: ids are v7) and
  // the default team, in one round trip.
  const { rows } = await sql<{
    rules: { id: string; name: string; conditions: RoutingConditions; actions: RoutingActions }[];
    defaultTeam: { id: string; name: string } | null;
  }>`
    select coalesce((
             select json_agg(json_build_object('id', r.id, 'name', r.name,
                                               'conditions', r.conditions, 'actions', r.actions)
                             order by r.position, r.id)
               from routing_rules r
              where r.workspace_id = ${workspaceId} and r.enabled), '[]') as rules,
           (select json_build_object('id', t.id, 'name', t.name)
              from teams t
             where t.workspace_id = ${workspaceId} and (t.settings->>'isDefault')::boolean
             order by t.created_at, t.id
             limit 1) as default_team`.execute(trx);
  const rules = rows[0]?.rules ?? [];
  // Read only when there are rules to match them (a round trip saved without rules).
  const facts = rules.length > 0 ? await factsOf(trx, workspaceId, conversation, at) : null;
  for (const row of rules) {
    if (!facts) break;
    const match = matchRule(facts, row);
    if (!match.matched) continue;
    rule = { id: row.id, name: row.name, held: match.held };
    const actions = row.actions;
    if (actions.teamId && actions.teamId !== current.teamId) {
      const fromTeamId = current.teamId;
      const exists = await trx
        .selectFrom('teams')
        .select('id')
        .where('workspaceId', '=', workspaceId)
        .where('id', '=', actions.teamId)
        .executeTakeFirst();
      if (exists) {
        current.teamId = changes.teamId = actions.teamId;
        if (actions.escalate) escalatedFrom = { teamId: fromTeamId };
      }
    }
    if (actions.requiredSkills && actions.requiredSkills.length > 0) {
      // A skill deleted since the rule was written is no longer required.
      const existing = await trx
        .selectFrom('skills')
        .select('id')
        .where('workspaceId', '=', workspaceId)
        .where('id', 'in', actions.requiredSkills)
        .execute();
      const skills = [
        ...new Set([...current.requiredSkills, ...existing.map((skill) => skill.id)]),
      ].sort();
      if (skills.join() !== current.requiredSkills.join())
        current.requiredSkills = changes.requiredSkills = skills;
    }
    if (actions.priority && actions.priority !== current.priority)
      current.priority = changes.priority = actions.priority;
    if (actions.tags) {
      const tags = [...new Set([...current.tags, ...actions.tags])];
      if (tags.length !== current.tags.length) current.tags = changes.tags = tags;
    }
    break;
  }
  // No rule and no team: the workspace's default team, if one is marked.
  if (!rule && !current.teamId) {
    const fallback = rows[0]?.defaultTeam;
    if (fallback) {
      current.teamId = changes.teamId = fallback.id;
      defaultTeam = { id: fallback.id, name: fallback.name, reason: 'no_rule_matched' };
    }
  }
  // Triage: a team that asks for it requires the skill of the language the text is in.
  if (current.teamId && current.language) {
    const { rows } = await sql<{ id: string; value: string }>`
      select s.id, s.value
        from teams t
        join skills s on s.workspace_id = t.workspace_id and s.type = 'language'
                     and lower(s.value) = ${baseLanguage(current.language)}
       where t.workspace_id = ${workspaceId} and t.id = ${current.teamId}
         and (t.settings->>'requireLanguageSkill')::boolean
       limit 1`.execute(trx);
    const skill = rows[0];
    if (skill && !current.requiredSkills.includes(skill.id)) {
      current.requiredSkills = changes.requiredSkills = [
        ...current.requiredSkills,
        skill.id,
      ].sort();
      languageSkill = { id: skill.id, value: skill.value };
    }
  }
  return { rule, defaultTeam, escalatedFrom, languageSkill };
}

/** The `conversation.escalated` entry of a rule that escalates (the team's leads named). */
export async function ruleEscalation(
  trx: Tx,
  workspaceId: string,
  rule: AppliedRule,
  escalatedFrom: { teamId: string | null },
  toTeamId: string,
) {
  const target = await trx
    .selectFrom('teams')
    .select('name')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', toTeamId)
    .executeTakeFirstOrThrow();
  const leads = await trx
    .selectFrom('teamMembers')
    .select('userId')
    .where('workspaceId', '=', workspaceId)
    .where('teamId', '=', toTeamId)
    .where('lead', '=', true)
    .orderBy('userId')
    .execute();
  return {
    fromTeamId: escalatedFrom.teamId,
    toTeamId,
    toTeamName: target.name,
    fromAssigneeId: null,
    note: null,
    leadIds: leads.map((m) => m.userId),
    rule: { id: rule.id, name: rule.name },
  };
}

/** The facts rules look at: the first message, its mailbox, the contact, the time zone. */
async function factsOf(
  trx: Tx,
  workspaceId: string,
  c: ConversationRow,
  at: Date,
): Promise<ConversationFacts> {
  const { rows } = await sql<{
    text: string | null;
    mailboxId: string | null;
    attributes: Record<string, unknown> | null;
    organizationId: string | null;
    timeZone: string;
  }>`
    select m.text, m.metadata->>'mailboxId' as mailbox_id, p.attributes, p.organization_id,
           w.time_zone
      from workspaces w
      left join contacts p on p.workspace_id = w.id and p.id = ${c.contactId}
      left join lateral (
        select text, metadata from messages
         where workspace_id = w.id and conversation_id = ${c.id}
         order by seq limit 1) m on true
     where w.id = ${workspaceId}`.execute(trx);
  const row = rows[0];
  return {
    channel: c.channel,
    mailboxId: row?.mailboxId ?? null,
    language: c.language,
    priority: c.priority,
    tags: c.tags,
    subject: c.subject,
    text: row?.text ?? '',
    contactAttributes: row?.attributes ?? {},
    organizationId: row?.organizationId ?? null,
    category: c.category,
    customFields: c.customFields,
    at,
    timeZone: row?.timeZone ?? 'UTC',
  };
}
