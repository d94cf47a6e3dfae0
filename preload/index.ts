// Placeholder until the preload bridge lands.
export {};
