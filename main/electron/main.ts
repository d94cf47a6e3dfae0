// Electron entry (built to dist/electron/main.cjs). The only folder that imports `electron` is this one.
import { defaultPaths, startDesktopApp } from './app';

startDesktopApp(defaultPaths(__dirname));
