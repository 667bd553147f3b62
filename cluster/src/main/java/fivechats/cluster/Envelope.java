package fivechats.cluster;

/**
 * What one server tells the others through the broker: a chat line, or a client that joined or left.
 *
 * <p>{@code instance} names the sending server's run (node name and a random part, so a node restarted under the same
 * name is a new sender), {@code conn} the client on it. A client's identity across the cluster is the pair: names
 * are not unique, and {@code seq} counts per connection, which is what lets a receiver drop a duplicate.
 * {@code epoch} counts the times this run came back after the others had buried it (away longer than the node TTL):
 * a join it tells again then is a new join, not a copy of the first.
 *
 * @param body the encoded chat frame for {@link Kind#CHAT}, the client's name for a join or a leave
 */
record Envelope(Kind kind, String instance, long epoch, long conn, long seq, String body) {
    enum Kind {
        CHAT,
        JOIN,
        LEAVE
    }

    /** A join comes before a client's lines (seq 1, 2, ...) and a leave after them, so one seq orders all three. */
    static final long JOIN_SEQ = 0;

    static final long LEAVE_SEQ = Long.MAX_VALUE;

    /** The sender of a line, unique in the cluster. */
    String sender() {
        return instance + "/" + conn;
    }

    /** Tab-separated, the body last, so the body may hold anything (instance names hold no tab). */
    String encode() {
        return kind.name() + '\t' + instance + '\t' + epoch + '\t' + conn + '\t' + seq + '\t' + body;
    }

    static Envelope decode(String text) {
        String[] parts = text.split("\t", 6);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not an envelope: " + text);
        }
        return new Envelope(
                Kind.valueOf(parts[0]),
                parts[1],
                Long.parseLong(parts[2]),
                Long.parseLong(parts[3]),
                Long.parseLong(parts[4]),
                parts[5]);
    }
}
