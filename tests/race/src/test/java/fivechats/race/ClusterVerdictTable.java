package fivechats.race;

import fivechats.transport.ClusterConfig;
import java.util.List;

/**
 * The expected verdicts of the cluster (chapter 12): one row per bus. {@link ClusterTest} asserts every cell against
 * three servers on a real Redis; {@link VerdictMatrixTest} renders the table as the second table of
 * {@code tutorial/verdicts.md}.
 */
final class ClusterVerdictTable {
    private ClusterVerdictTable() {}

    /** A line sent on any server, to the clients of all three. */
    static final String FAN_OUT = "every line reaches every client on A, B and C once, each sender's lines in order";

    /** A server killed with SIGKILL: what the clients of the others hear. */
    static final String SIGKILL =
            "its clients announced as left within " + fivechats.cluster.Cluster.LEAVE_BOUND.toSeconds()
                    + " s (the heartbeat key's TTL, one check, one stream read)";

    /** Every broker connection killed ten times while one sender floods. */
    enum Blip {
        LOST("lines lost: Redis keeps no copy of a published message, so what is published while a subscription is"
                + " down is gone"),
        NONE_LOST(
                "none lost, none twice: each server reads again from the last id it delivered, and drops a resent line"
                        + " by its seq");

        final String text;

        Blip(String text) {
            this.text = text;
        }
    }

    /** A line the broker holds twice: what a resend does when the first copy landed but its reply was lost. */
    enum Resent {
        TWICE("delivered twice: nothing tells a copy from a new line"),
        ONCE("delivered once: the copy's seq is not newer than the last one delivered from its sender, so it is"
                + " dropped");

        final String text;

        Resent(String text) {
            this.text = text;
        }
    }

    /** Two senders on two servers at once: the interleaving each receiver sees. */
    enum Interleaving {
        PER_SERVER(
                "one order per server only: a local line skips the broker, so A's and B's clients disagree (C's agree"
                        + " with each other)"),
        ONE_ORDER("one order everywhere: every line, local ones too, reaches clients through the stream, so all"
                + " receivers on A, B and C agree");

        final String text;

        Interleaving(String text) {
            this.text = text;
        }
    }

    record Row(ClusterConfig.Mode mode, String form, Blip blip, Resent resent, Interleaving interleaving) {}

    static final List<Row> ROWS = List.of(
            new Row(ClusterConfig.Mode.PUBSUB, "naive", Blip.LOST, Resent.TWICE, Interleaving.PER_SERVER),
            new Row(ClusterConfig.Mode.STREAMS, "fixed", Blip.NONE_LOST, Resent.ONCE, Interleaving.ONE_ORDER));

    static Row row(ClusterConfig.Mode mode) {
        return ROWS.stream().filter(r -> r.mode() == mode).findFirst().orElseThrow();
    }
}
