// Topic names and filters: validation and byte-level matching.
export { validateTopicName, validateTopicFilter, isSharedFilter, sharedFilterStart } from './validate.js';
export { matchFilter } from './match.js';
