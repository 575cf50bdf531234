// The release version: written by scripts/version.mjs sync from the root
// package.json (the one place it is set); a module rather than a read of
// package.json so the single executable carries it too.
export const VERSION = '1.0.0';
