package dev.herald.engine;

import dev.herald.Recipient;
import jakarta.json.JsonValue;

/**
 * A notice as it travels between nodes: stamped with its id and the time it was accepted.
 *
 * @param id unique id given by the sending node
 * @param timestamp milliseconds since the epoch when the sending node accepted it
 * @param to the recipient
 * @param event the event name
 * @param data the payload
 */
public record Envelope(String id, long timestamp, Recipient to, String event, JsonValue data) {
}
