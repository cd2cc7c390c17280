/**
 * The WebSocket transport: the {@code /ws} endpoint, its handshake checks (origin, token) and the adapter
 * from a WebSocket session to the node's {@link dev.herald.node.Transport}.
 */
package dev.herald.web;
