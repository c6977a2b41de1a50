/** The fault injector: faults by name (registry), the injector that heals them, and the fault classes. */
export { Fault, type FaultState } from './fault.js';
export { FaultInjector } from './injector.js';
export { createFault, FAULT_KINDS, type FaultKind, type FaultSpec } from './registry.js';
export { selectContainers, selectLinks, type ContainerSelector, type LinkSelector } from './targets.js';
export { ContainerKill } from './container/kill.js';
export { ContainerStop } from './container/stop.js';
export { ContainerPause } from './container/pause.js';
export { ContainerRestart } from './container/restart.js';
export { ContainerDisconnect } from './container/disconnect.js';
export { Latency } from './link/latency.js';
export { Bandwidth } from './link/bandwidth.js';
export { Blackhole } from './link/blackhole.js';
export { ResetPeer } from './link/reset-peer.js';
export { Slicer } from './link/slicer.js';
export { LimitData } from './link/limit-data.js';
export { LinkDown } from './link/down.js';
export { SitePower, type SitePowerParams } from './composite/site-power.js';
export { CompositeFault } from './composite/composite.js';
