/**
 * Engines: where sessions are registered and how a notice travels to the nodes that deliver it. Each role
 * ({@link dev.herald.engine.Broker}, {@link dev.herald.engine.SessionRegistry}) has an in-memory
 * implementation for one node and a Redis implementation for a cluster.
 */
package dev.herald.engine;
