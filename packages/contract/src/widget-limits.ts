/**
 * What the chat widget may upload, and how much. A module of its own (no schemas) so the
 * widget can import it without pulling in TypeBox: its size budget is 25 KB.
 */
export const WIDGET_UPLOAD_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
] as const;
export const WIDGET_UPLOAD_MAX_BYTES = 10 * 1024 * 1024;
