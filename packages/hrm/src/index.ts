/**
 * @hrm/hrm: not built yet. See issue 4 for what goes here.
 */
export {};
