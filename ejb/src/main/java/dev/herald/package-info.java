/**
 * Herald's public API: inject {@link dev.herald.NoticeService} and send a notice to a user, a session
 * or everyone connected to any node of the cluster.
 */
package dev.herald;
