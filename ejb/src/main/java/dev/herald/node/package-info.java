/**
 * One Herald node: its configuration, the startup singleton that runs the engine's subscription and
 * heartbeat, the local sessions with their bounded senders, and the router between them.
 */
package dev.herald.node;
