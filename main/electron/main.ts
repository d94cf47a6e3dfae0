// Placeholder until the Electron glue lands.
export {};
