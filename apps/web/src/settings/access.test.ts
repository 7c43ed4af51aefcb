import { cannedPlaceholders as contractPlaceholders } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { canManageUser, canSeeSettings, grantableRoles, sectionsFor } from './access.js';
import { cannedPlaceholders, insertPlaceholder } from './placeholders.js';

describe('who sees which settings', () => {
  it('shows settings to managers and above, each section by the role the server asks', () => {
    expect(canSeeSettings('agent')).toBe(false);
    expect(canSeeSettings('collaborator')).toBe(false);
    expect(sectionsFor('manager').map((s) => s.id)).toEqual([
      'teams',
      'skills',
      'rules',
      'calendars',
      'sla',
      'availability',
      'canned',
    ]);
    expect(sectionsFor('admin').map((s) => s.id)).toEqual([
      'workspace',
      'users',
      'teams',
      'skills',
      'rules',
      'calendars',
      'sla',
      'availability',
      'mailboxes',
      'canned',
      'acknowledgements',
      'fields',
      'widget',
    ]);
    expect(sectionsFor('owner')).toEqual(sectionsFor('admin'));
  });

  it('offers the roles the server lets one grant, and no other', () => {
    expect(grantableRoles('owner')).toEqual(['owner', 'admin', 'manager', 'agent', 'collaborator']);
    expect(grantableRoles('admin')).toEqual(['admin', 'manager', 'agent', 'collaborator']);
    expect(grantableRoles('manager')).toEqual([]);
    expect(canManageUser('admin', 'owner')).toBe(false);
    expect(canManageUser('owner', 'owner')).toBe(true);
    expect(canManageUser('admin', 'agent')).toBe(true);
    expect(canManageUser('manager', 'agent')).toBe(false);
  });
});

describe('placeholders', () => {
  it('are the ones the server fills', () => {
    expect([...cannedPlaceholders]).toEqual([...contractPlaceholders]);
  });

  it('go in at the caret, or at the end', () => {
    expect(insertPlaceholder('Hi , thanks', 'customer', 3)).toEqual({
      text: 'Hi {customer}, thanks',
      caret: 13,
    });
    expect(insertPlaceholder('Hi', 'number', null)).toEqual({ text: 'Hi{number}', caret: 10 });
  });
});
