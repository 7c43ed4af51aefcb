import type { User } from '@parley/contract';
import { describe, expect, it } from 'vitest';
import { mentionCandidates, mentionedIds, mentionQuery, sendKeys } from './ComposerTools.js';

const user = (id: string, name: string, status = 'active') =>
  ({ id, name, status, email: `${id}@x`, role: 'agent' }) as unknown as User;

describe('mentions', () => {
  it('finds the @word being typed before the caret, in any script', () => {
    expect(mentionQuery('Hej @Ol', 7)).toEqual({ start: 4, query: 'Ol' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('سلام @سا', 8)).toEqual({ start: 5, query: 'سا' });
    expect(mentionQuery('mail@example', 12)).toBeNull();
    expect(mentionQuery('Hej @Ola Nowak', 14)).toBeNull();
  });

  it('suggests active colleagues by the start of any word of their name, not yourself', () => {
    const users = [
      user('1', 'Ola Nowak'),
      user('2', 'Sven Lindqvist'),
      user('3', 'Old Timer', 'deactivated'),
      user('4', 'Olivia Owner'),
      user('5', '李伟'),
    ];
    expect(mentionCandidates(users, 'ol', '4').map((u) => u.name)).toEqual(['Ola Nowak']);
    expect(mentionCandidates(users, 'lind', '4').map((u) => u.name)).toEqual(['Sven Lindqvist']);
    expect(mentionCandidates(users, '李', '4').map((u) => u.name)).toEqual(['李伟']);
  });

  it('keeps the mentions still in the text and drops the rest', () => {
    const chosen = new Map([
      ['1', 'Ola Nowak'],
      ['2', 'Sven Lindqvist'],
    ]);
    expect(mentionedIds('@Ola Nowak kan du kolla?', chosen)).toEqual(['1']);
  });
});

describe('the send shortcut', () => {
  it('is named as the keyboard labels it: ⌘ on Apple devices, Ctrl elsewhere', () => {
    expect(sendKeys('MacIntel')).toBe('⌘+Enter');
    expect(sendKeys('macOS')).toBe('⌘+Enter');
    expect(sendKeys('iPad')).toBe('⌘+Enter');
    expect(sendKeys('Win32')).toBe('Ctrl+Enter');
    expect(sendKeys('Linux x86_64')).toBe('Ctrl+Enter');
    expect(sendKeys('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605')).toBe('⌘+Enter');
    expect(sendKeys('')).toBe('Ctrl+Enter');
  });
});
