package dev.herald.web.api;

import dev.herald.engine.NoticeCodec;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** JSON error bodies: {@code {"error":"..."}}, and the index of the offending item where there is one. */
final class Problems {

    private Problems() {
    }

    static Response of(NoticeCodec codec, Response.StatusType status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(codec.json().createObjectBuilder().add("error", message).build().toString()).build();
    }

    /** 503 with {@code Retry-After: 1}: Redis is unreachable. */
    static Response unavailable(NoticeCodec codec, String message) {
        return Response.fromResponse(of(codec, Response.Status.SERVICE_UNAVAILABLE, message))
                .header(HttpHeaders.RETRY_AFTER, "1").build();
    }

    static Response at(NoticeCodec codec, int index, String message) {
        return Response.status(Response.Status.BAD_REQUEST).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(codec.json().createObjectBuilder().add("error", message).add("index", index).build()
                        .toString())
                .build();
    }
}
