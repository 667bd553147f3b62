package fivechats.transport;

import java.io.IOException;

/** The client is gone: closed, vanished, timed out, or evicted. Like gorilla's read and write errors, it ends the client. */
public final class ClosedConnectionException extends IOException {
    public ClosedConnectionException(String message) {
        super(message);
    }

    public ClosedConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
