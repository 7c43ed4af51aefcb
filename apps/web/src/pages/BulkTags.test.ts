import { describe, expect, it } from 'vitest';
import { tagsIn } from './BulkTags.js';

describe('the tags of the selected conversations', () => {
  it('lists each once, ignoring case as the API does, the most common first', () => {
    expect(
      tagsIn([
        { tags: ['vip', 'billing'] },
        { tags: ['Billing', 'zwrot'] },
        { tags: ['billing', 'VIP', '退款'] },
        { tags: [] },
      ]),
    ).toEqual(['billing', 'vip', 'zwrot', '退款']);
    expect(tagsIn([])).toEqual([]);
  });
});
