package fivechats.transport;

import java.util.List;

/** The frames a resuming client gets after its welcome, and the newest line among them or before (its {@code since}). */
public final class Replay {
    private final List<String> frames;
    private final String upTo;
    /**
     * Set once a newer line has been sent: the model passes lines on in stream order, so no older one follows. Only
     * by the sending thread ({@link #sent}): a broadcaster that checks a newer line at its offer may do so while an
     * older one still waits, queued before the welcome was made.
     */
    private volatile boolean caughtUp;

    /** Nothing to replay, and why: for a server without a stream. */
    public static Replay none(History history) {
        return new Replay(List.of(Wire.gap(history.since(), history.gap())), null);
    }

    /** @param upTo the newest line replayed, or the client's own {@code since}: frames up to it are copies */
    public Replay(List<String> frames, String upTo) {
        this.frames = frames;
        this.upTo = upTo;
        this.caughtUp = upTo == null;
    }

    public List<String> frames() {
        return frames;
    }

    /** True for a chat line the client has had already: replayed, or received before it reconnected. */
    public boolean covers(String frame) {
        if (caughtUp) {
            return false;
        }
        String id = Wire.lineId(frame);
        return id != null && Wire.compareIds(upTo, id) >= 0;
    }

    /** The sending thread sends {@code frame}, which {@link #covers} let through. */
    public void sent(String frame) {
        if (!caughtUp && Wire.lineId(frame) != null) {
            caughtUp = true;
        }
    }
}
