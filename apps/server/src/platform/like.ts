/** `%`, `_` and `\` taken literally in a LIKE pattern. */
export const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A LIKE pattern for text that contains `text` anywhere. */
export const containsPattern = (text: string) => `%${escapeLike(text)}%`;
