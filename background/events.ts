// Pushes events to connected contexts through the router's live ports. Modules emit here instead of
// knowing about ports.
import type { Runtime } from 'webextension-polyfill';
import type { Caller, EventName, Events } from '../src/messages.ts';
import type { Router } from './router.ts';

let router: Router | undefined;

export function setRouter(r: Router): void {
  router = r;
}

export function emit<E extends EventName>(event: E, data: Events[E], to: readonly Caller[] | ((port: Runtime.Port, caller: Caller) => boolean)): void {
  router?.broadcast(event, data, to);
}

export function connectedPorts(caller?: Caller): Runtime.Port[] {
  return router?.ports(caller) ?? [];
}

export function onPortsChanged(fn: () => void): void {
  router?.onPortsChanged(fn);
}
