package fivechats.transport;

import java.util.List;

/**
 * What the cluster's stream holds after the position a reconnecting client gives ({@code /chat?since=ID}), read when
 * it connects: the chat lines it missed up to that moment, or why continuity cannot be proven. The lines that go by
 * between this read and the client's welcome are the cluster link's to add (chapter 12, "Resume after a blip").
 *
 * @param since the id the client gave: the last line it received
 * @param lines the chat lines after it in the stream, each carrying its id, in stream order, one per sender and seq
 * @param upTo  the newest stream id read: every line up to it is in {@code lines} (or lost, when {@code gap} says so)
 * @param gap   why some lines after {@code since} cannot be sent, or null when none is missing
 */
public record History(String since, List<String> lines, String upTo, String gap) {
    /** No line can be sent: the position means nothing here. The client's chat goes on from its welcome. */
    public static History unknown(String since, String why) {
        return new History(since, List.of(), null, why);
    }

    /** True when nothing was replayable: the client starts afresh, and no frame from the model is a copy. */
    public boolean unknown() {
        return upTo == null;
    }
}
