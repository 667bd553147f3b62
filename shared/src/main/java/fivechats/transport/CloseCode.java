package fivechats.transport;

/**
 * Why a connection is closed, as the close frame tells the client (RFC 6455, section 7.4.1): the five codes a model or
 * the transport chooses (Jetty itself closes with 1009 for a line over the size limit and 1007 for invalid UTF-8). A
 * model closes with one of these and never needs Jetty's own constants.
 */
public enum CloseCode {
    /** 1000: the client left, or the model is done with it. */
    NORMAL(1000),
    /** 1001, "going away": the server is shutting down. */
    SHUTDOWN(1001),
    /** 1003, "unsupported data": the client sent a binary frame; this chat speaks text. */
    BAD_DATA(1003),
    /** 1008, "policy violation": too slow to read what it was sent (evicted), or silent past the heartbeat's limit. */
    POLICY_VIOLATION(1008),
    /** 1011, "internal error": a write to it failed, or the cluster's broker is unavailable. */
    SERVER_ERROR(1011);

    /** The number on the wire. */
    public final int code;

    CloseCode(int code) {
        this.code = code;
    }
}
