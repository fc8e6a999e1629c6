/**
 * @hrm/nn: not built yet. See issue 3 for what goes here.
 */
export {};
