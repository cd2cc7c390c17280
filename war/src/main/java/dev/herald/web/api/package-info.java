/**
 * The REST API under {@code /herald/api}: {@code POST notices} for senders that are not Java code in this
 * server, and the demo page's helpers when {@code herald.demo} is on.
 */
package dev.herald.web.api;
