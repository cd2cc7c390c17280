package dev.herald;

/**
 * CDI event: a client published a notice on a channel, and it was handed to the channel's subscribers (fired on
 * the publisher's node, once, off the connection's thread): for an application that stores chat messages or
 * reviews them. It cannot stop the notice; an authorizer that refuses {@code PUBLISH} can.
 *
 * @param user the publisher's user id, the notice's {@code from}
 * @param channel the channel
 * @param id the notice's id, as its subscribers receive it
 * @param event the notice's event name
 * @param data the notice's payload as compact JSON text
 */
public record ClientPublished(String user, String channel, String id, String event, String data) {
}
