// The console's start, loaded by main.tsx once React DOM is in: the transport (preload bridge or web
// host), then the console over it.

import { mountConsole } from './mount-console';
import { pickTransport } from './transport/pick-transport';

mountConsole(pickTransport());
