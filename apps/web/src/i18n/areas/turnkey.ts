/** Strings of the turnkey area: Traditional Chinese first; English must have the same keys (a type error otherwise). */
export const zh = {} satisfies Record<string, string>;

export const en: Record<keyof typeof zh, string> = {};
