// popup.html's first script, before its stylesheet and the main bundle: starts the storage.session
// read the first screen waits for (lib/first-read.ts), so that it runs while they load.
import { startFirstRead } from './lib/first-read.ts';

startFirstRead();
