package fivechats.transport.cluster;

/**
 * What one server tells the others through the broker: a chat line, or a client that joined or left.
 *
 * <p>{@code instance} names the sending server's run (node name and start time, so a node restarted under the same
 * name is a new sender), {@code conn} the client on it. A client's identity across the cluster is the pair: names
 * are not unique, and {@code seq} counts per connection, which is what lets a receiver drop a duplicate.
 *
 * @param body the encoded chat frame for {@link Kind#CHAT}, the client's name for a join or a leave
 */
record Envelope(Kind kind, String instance, long conn, long seq, String body) {
    enum Kind { CHAT, JOIN, LEAVE }

    /** A join comes before a client's lines (seq 1, 2, ...) and a leave after them, so one seq orders all three. */
    static final long JOIN_SEQ = 0;
    static final long LEAVE_SEQ = Long.MAX_VALUE;

    /** The sender of a line, unique in the cluster. */
    String sender() {
        return instance + "/" + conn;
    }

    /** Tab-separated, the body last, so the body may hold anything (instance names hold no tab). */
    String encode() {
        return kind.name() + '\t' + instance + '\t' + conn + '\t' + seq + '\t' + body;
    }

    static Envelope decode(String text) {
        String[] parts = text.split("\t", 5);
        if (parts.length != 5) {
            throw new IllegalArgumentException("not an envelope: " + text);
        }
        return new Envelope(Kind.valueOf(parts[0]), parts[1], Long.parseLong(parts[2]), Long.parseLong(parts[3]), parts[4]);
    }
}
