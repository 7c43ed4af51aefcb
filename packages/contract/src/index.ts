export * from './errors.js';
export * from './schemas/common.js';
export * from './schemas/auth.js';
export * from './schemas/workspace.js';
export * from './schemas/conversations.js';
export * from './schemas/search.js';
export * from './schemas/contacts.js';
export * from './schemas/organizations.js';
